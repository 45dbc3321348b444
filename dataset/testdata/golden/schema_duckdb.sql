-- orderhist dataset, schema version 1: one view per table.
-- Views read the Parquet files when queried, so they always show the latest
-- completed run. Run this file with: duckdb my.duckdb < schema.sql
-- Each table is also an Iceberg table: with the iceberg extension,
-- SELECT * FROM iceberg_scan('orderhist-data/orders') reads the snapshot of the last run.

-- One row per order.
CREATE OR REPLACE VIEW orders AS
SELECT * FROM read_parquet('orderhist-data/orders/**/*.parquet', hive_partitioning = true, hive_types = {'ordered_month': VARCHAR});
--   source               VARCHAR NOT NULL                  Connector that read the order (mercadolivre, shopee, amazon, ...).
--   account              VARCHAR NOT NULL                  Seller account label from the configuration.
--   order_id             VARCHAR NOT NULL                  Order id as the seller sees it on the marketplace.
--   pack_id              VARCHAR                           Cart id, where the marketplace groups several orders of one checkout.
--   customer_id          VARCHAR NOT NULL                  Resolved customer; joins customers.customer_id.
--   ordered_at           TIMESTAMP WITH TIME ZONE          When the order was placed.
--   updated_at           TIMESTAMP WITH TIME ZONE          Last change the source reported for the order.
--   status               VARCHAR NOT NULL                  pending, paid, shipped, delivered, cancelled, returned or unknown.
--   status_raw           VARCHAR                           Status as the marketplace wrote it.
--   currency             VARCHAR                           ISO 4217 currency code.
--   items_total          DECIMAL(18,2)                     Sum of the order lines.
--   shipping             DECIMAL(18,2)                     Shipping charged to the buyer.
--   discount             DECIMAL(18,2)                     Discounts applied to the order.
--   fees                 DECIMAL(18,2)                     Marketplace fees charged to the seller.
--   order_total          DECIMAL(18,2)                     Total paid by the buyer.
--   net_total            DECIMAL(18,2)                     Amount received by the seller, where the source says.
--   payment_method       VARCHAR                           Payment method as the source names it.
--   installments         INTEGER                           Number of installments the buyer chose.
--   buyer_ref            VARCHAR                           The marketplace's own buyer id or username.
--   buyer_name           VARCHAR                           Buyer name as given.
--   buyer_document       VARCHAR                           Buyer CPF or CNPJ, digits and upper-case letters only.
--   buyer_document_type  VARCHAR                           cpf or cnpj.
--   buyer_email          VARCHAR                           Buyer e-mail, lower case.
--   buyer_phone          VARCHAR                           Buyer phone in E.164.
--   ship_city            VARCHAR                           Shipping city.
--   ship_state           VARCHAR                           Shipping state, UF code.
--   ship_postal_code     VARCHAR                           Shipping CEP, 8 digits.
--   ship_country         VARCHAR                           Shipping country, ISO 3166-1 alpha-2.
--   source_file          VARCHAR                           Export file the order was read from; null for API pulls.
--   source_row           BIGINT                            First row (Excel row or CSV line) of the order in source_file.
--   ingested_at          TIMESTAMP WITH TIME ZONE NOT NULL When the run that wrote this row read the order.
--   recipient_name       VARCHAR                           Name of who receives the parcel, when the source gives it (may differ from the buyer).
--   recipient_phone      VARCHAR                           Recipient phone in E.164.
--   ship_street          VARCHAR                           Delivery street (and number, where the source writes them together).
--   ship_number          VARCHAR                           Delivery street number, where the source has it apart.
--   ship_neighborhood    VARCHAR                           Delivery neighbourhood (bairro).
--   ordered_month        VARCHAR                           From the folder name: month of ordered_at (UTC), YYYY-MM.

-- One row per order line.
CREATE OR REPLACE VIEW order_items AS
SELECT * FROM read_parquet('orderhist-data/order_items/**/*.parquet', hive_partitioning = true, hive_types = {'ordered_month': VARCHAR});
--   source         VARCHAR NOT NULL                  Connector that read the order.
--   account        VARCHAR NOT NULL                  Seller account label from the configuration.
--   order_id       VARCHAR NOT NULL                  Order id; joins orders on (source, account, order_id).
--   line_no        INTEGER NOT NULL                  Line number within the order, 1..n.
--   customer_id    VARCHAR NOT NULL                  Resolved customer; joins customers.customer_id.
--   ordered_at     TIMESTAMP WITH TIME ZONE          When the order was placed.
--   sku            VARCHAR                           Seller's SKU.
--   listing_id     VARCHAR                           Marketplace listing id (MLB..., ASIN, item id).
--   title          VARCHAR                           Item title as listed.
--   variation      VARCHAR                           Variation (size, colour, ...) as listed.
--   quantity       INTEGER                           Units ordered.
--   unit_price     DECIMAL(18,2)                     Price of one unit.
--   line_total     DECIMAL(18,2)                     Total of the line.
--   status         VARCHAR NOT NULL                  Line status, same vocabulary as orders.status.
--   category       VARCHAR                           Product category as the source names it (TikTok Shop's Product Category, a csv mapping's category column); null where the source has none: Mercado Livre, Shopee, Amazon and Shopify exports carry no category.
--   ordered_month  VARCHAR                           From the folder name: month of ordered_at (UTC), YYYY-MM.

-- One row per resolved customer.
CREATE OR REPLACE VIEW customers AS
SELECT * FROM read_parquet('orderhist-data/customers/*.parquet');
--   customer_id              VARCHAR NOT NULL                  Customer id, stable across runs.
--   name                     VARCHAR                           Best known name.
--   document                 VARCHAR                           CPF or CNPJ.
--   email                    VARCHAR                           Best known e-mail.
--   phone                    VARCHAR                           Best known phone, E.164.
--   city                     VARCHAR                           City of the latest order.
--   state                    VARCHAR                           State (UF code) of the latest order.
--   postal_code              VARCHAR                           CEP of the latest order, 8 digits.
--   first_order_at           TIMESTAMP WITH TIME ZONE          When the first order was placed.
--   last_order_at            TIMESTAMP WITH TIME ZONE          When the latest order was placed.
--   orders_count             INTEGER NOT NULL                  Number of orders.
--   items_count              INTEGER NOT NULL                  Number of units bought.
--   total_spent              DECIMAL(18,2) NOT NULL            Sum of order totals in the customer's currency, cancelled orders excluded.
--   avg_ticket               DECIMAL(18,2)                     Average order total in the customer's currency, cancelled orders excluded.
--   avg_days_between_orders  DOUBLE                            Mean number of days between consecutive orders; null with a single order.
--   channels                 VARCHAR[] NOT NULL                Sources the customer bought through.
--   cancelled_count          INTEGER NOT NULL                  Number of cancelled orders.
--   returned_count           INTEGER NOT NULL                  Number of returned orders.
--   segment                  VARCHAR NOT NULL                  As of the manifest's as_of date, by the import's segment rules (defaults: --inactive-days 90, --recurring-orders 2; the report prints the same rules): inactive = latest purchase (an order not cancelled) 90 days ago or more; recurring = 2 purchases or more; new = fewer; no_purchase = every order cancelled or undated.
--   rfm_recency              INTEGER NOT NULL                  RFM recency score 1-5, by quintile of the latest order among all customers (5 = the most recent fifth).
--   rfm_frequency            INTEGER NOT NULL                  RFM frequency score 1-5, by quintile of the orders not cancelled.
--   rfm_monetary             INTEGER NOT NULL                  RFM monetary score 1-5, by quintile of total_spent.
--   usernames                VARCHAR[] NOT NULL                Marketplace usernames or buyer ids of the customer's orders, as the marketplaces give them (Shopee hides most buyers' names but not their username); keyed hashes under --pii hash, empty under drop.
--   currency                 VARCHAR                           ISO 4217 currency of total_spent and avg_ticket: the one most of the customer's priced orders are in; orders in another currency are left out of both.

-- One row per (customer, identifier).
CREATE OR REPLACE VIEW identities AS
SELECT * FROM read_parquet('orderhist-data/identities/*.parquet');
--   customer_id    VARCHAR NOT NULL                  Customer the identifier belongs to.
--   kind           VARCHAR NOT NULL                  cpf, cnpj, email, phone, marketplace_user, ...
--   value          VARCHAR NOT NULL                  Normalized identifier; a keyed hash under --pii hash.
--   source         VARCHAR NOT NULL                  Connector the identifier was seen in.
--   first_seen_at  TIMESTAMP WITH TIME ZONE          Order time of the first order carrying the identifier.
--   last_seen_at   TIMESTAMP WITH TIME ZONE          Order time of the latest order carrying the identifier.
--   orders_count   INTEGER NOT NULL                  Number of orders carrying the identifier.
--   evidence       VARCHAR                           How the identifier linked the customer: strong, corroborated (name and address backed by a phone fragment or mailbox), scored (name and address above the match weight) or shared (held by too many people, linked nothing); null in datasets written before the column existed.

-- Customer ids that were merged into another.
CREATE OR REPLACE VIEW customer_merges AS
SELECT * FROM read_parquet('orderhist-data/customer_merges/*.parquet');
--   merged_id    VARCHAR NOT NULL                  Customer id that no longer exists.
--   customer_id  VARCHAR NOT NULL                  Customer id it now belongs to.
--   merged_at    TIMESTAMP WITH TIME ZONE NOT NULL When the merge was found.
--   reason       VARCHAR NOT NULL                  Why the two customers were merged.

-- Rows or values that could not be used, with the reason.
CREATE OR REPLACE VIEW rejects AS
SELECT * FROM read_parquet('orderhist-data/rejects/*.parquet');
--   source       VARCHAR NOT NULL                  Connector that read the row.
--   source_file  VARCHAR                           Export file; null for API pulls.
--   source_row   BIGINT                            Excel row or CSV line.
--   column       VARCHAR                           Column as the source named it; null when the whole row is at fault.
--   value        VARCHAR                           The value as found.
--   reason       VARCHAR NOT NULL                  Why it could not be used.
--   run_id       VARCHAR NOT NULL                  Run that found the problem.
--   sheet        VARCHAR                           Worksheet, for spreadsheet exports.
--   effect       VARCHAR NOT NULL                  row_skipped (the row is not in the dataset) or value_dropped (written as null).

-- One row per link made on scored name and address evidence, with what it rested on.
CREATE OR REPLACE VIEW customer_links AS
SELECT * FROM read_parquet('orderhist-data/customer_links/*.parquet');
--   customer_id     VARCHAR NOT NULL                  Customer the link joined.
--   order_a         VARCHAR NOT NULL                  One order of the pair, as source/account/order_id.
--   order_b         VARCHAR NOT NULL                  The other order of the pair, as source/account/order_id.
--   weight          DOUBLE NOT NULL                   Match weight of the pair, in bits (log2 of the odds that the two orders are one buyer's).
--   probability     DOUBLE NOT NULL                   Match probability the weight stands for.
--   name_frequency  DOUBLE NOT NULL                   Bits the name's frequency in the seller's data added (negative for a common name).
--   fields          VARCHAR NOT NULL                  JSON array, one object per compared field: {"field","level","weight","agree"}; weight in bits, 0 for a field missing on either side.
