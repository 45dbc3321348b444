-- orderhist dataset, schema version 1, as BigQuery tables in dataset `orderhist`.
-- Each run replaces whole tables, so reload them with LOAD DATA OVERWRITE after
-- copying the dataset folder to Cloud Storage (replace gs://BUCKET/orderhist-data).

CREATE TABLE IF NOT EXISTS `orderhist.orders` (
  `source` STRING NOT NULL OPTIONS (description = "Connector that read the order (mercadolivre, shopee, amazon, ...)."),
  `account` STRING NOT NULL OPTIONS (description = "Seller account label from the configuration."),
  `order_id` STRING NOT NULL OPTIONS (description = "Order id as the seller sees it on the marketplace."),
  `pack_id` STRING OPTIONS (description = "Cart id, where the marketplace groups several orders of one checkout."),
  `customer_id` STRING NOT NULL OPTIONS (description = "Resolved customer; joins customers.customer_id."),
  `ordered_at` TIMESTAMP OPTIONS (description = "When the order was placed."),
  `updated_at` TIMESTAMP OPTIONS (description = "Last change the source reported for the order."),
  `status` STRING NOT NULL OPTIONS (description = "pending, paid, shipped, delivered, cancelled, returned or unknown."),
  `status_raw` STRING OPTIONS (description = "Status as the marketplace wrote it."),
  `currency` STRING OPTIONS (description = "ISO 4217 currency code."),
  `items_total` NUMERIC(18, 2) OPTIONS (description = "Sum of the order lines."),
  `shipping` NUMERIC(18, 2) OPTIONS (description = "Shipping charged to the buyer."),
  `discount` NUMERIC(18, 2) OPTIONS (description = "Discounts applied to the order."),
  `fees` NUMERIC(18, 2) OPTIONS (description = "Marketplace fees charged to the seller."),
  `order_total` NUMERIC(18, 2) OPTIONS (description = "Total paid by the buyer."),
  `net_total` NUMERIC(18, 2) OPTIONS (description = "Amount received by the seller, where the source says."),
  `payment_method` STRING OPTIONS (description = "Payment method as the source names it."),
  `installments` INT64 OPTIONS (description = "Number of installments the buyer chose."),
  `buyer_ref` STRING OPTIONS (description = "The marketplace's own buyer id or username."),
  `buyer_name` STRING OPTIONS (description = "Buyer name as given."),
  `buyer_document` STRING OPTIONS (description = "Buyer CPF or CNPJ, digits and upper-case letters only."),
  `buyer_document_type` STRING OPTIONS (description = "cpf or cnpj."),
  `buyer_email` STRING OPTIONS (description = "Buyer e-mail, lower case."),
  `buyer_phone` STRING OPTIONS (description = "Buyer phone in E.164."),
  `ship_city` STRING OPTIONS (description = "Shipping city."),
  `ship_state` STRING OPTIONS (description = "Shipping state, UF code."),
  `ship_postal_code` STRING OPTIONS (description = "Shipping CEP, 8 digits."),
  `ship_country` STRING OPTIONS (description = "Shipping country, ISO 3166-1 alpha-2."),
  `source_file` STRING OPTIONS (description = "Export file the order was read from; null for API pulls."),
  `source_row` INT64 OPTIONS (description = "First row (Excel row or CSV line) of the order in source_file."),
  `ingested_at` TIMESTAMP NOT NULL OPTIONS (description = "When the run that wrote this row read the order."),
  `recipient_name` STRING OPTIONS (description = "Name of who receives the parcel, when the source gives it (may differ from the buyer)."),
  `recipient_phone` STRING OPTIONS (description = "Recipient phone in E.164."),
  `ship_street` STRING OPTIONS (description = "Delivery street (and number, where the source writes them together)."),
  `ship_number` STRING OPTIONS (description = "Delivery street number, where the source has it apart."),
  `ship_neighborhood` STRING OPTIONS (description = "Delivery neighbourhood (bairro).")
)
PARTITION BY TIMESTAMP_TRUNC(ordered_at, MONTH)
OPTIONS (description = "One row per order.");
-- LOAD DATA OVERWRITE `orderhist.orders`
--   FROM FILES (format = 'PARQUET', enable_list_inference = true,
--     uris = ['gs://BUCKET/orderhist-data/orders/*.parquet']);

CREATE TABLE IF NOT EXISTS `orderhist.order_items` (
  `source` STRING NOT NULL OPTIONS (description = "Connector that read the order."),
  `account` STRING NOT NULL OPTIONS (description = "Seller account label from the configuration."),
  `order_id` STRING NOT NULL OPTIONS (description = "Order id; joins orders on (source, account, order_id)."),
  `line_no` INT64 NOT NULL OPTIONS (description = "Line number within the order, 1..n."),
  `customer_id` STRING NOT NULL OPTIONS (description = "Resolved customer; joins customers.customer_id."),
  `ordered_at` TIMESTAMP OPTIONS (description = "When the order was placed."),
  `sku` STRING OPTIONS (description = "Seller's SKU."),
  `listing_id` STRING OPTIONS (description = "Marketplace listing id (MLB..., ASIN, item id)."),
  `title` STRING OPTIONS (description = "Item title as listed."),
  `variation` STRING OPTIONS (description = "Variation (size, colour, ...) as listed."),
  `quantity` INT64 OPTIONS (description = "Units ordered."),
  `unit_price` NUMERIC(18, 2) OPTIONS (description = "Price of one unit."),
  `line_total` NUMERIC(18, 2) OPTIONS (description = "Total of the line."),
  `status` STRING NOT NULL OPTIONS (description = "Line status, same vocabulary as orders.status."),
  `category` STRING OPTIONS (description = "Product category as the source names it (TikTok Shop's Product Category, a csv mapping's category column); null where the source has none: Mercado Livre, Shopee, Amazon and Shopify exports carry no category.")
)
PARTITION BY TIMESTAMP_TRUNC(ordered_at, MONTH)
OPTIONS (description = "One row per order line.");
-- LOAD DATA OVERWRITE `orderhist.order_items`
--   FROM FILES (format = 'PARQUET', enable_list_inference = true,
--     uris = ['gs://BUCKET/orderhist-data/order_items/*.parquet']);

CREATE TABLE IF NOT EXISTS `orderhist.customers` (
  `customer_id` STRING NOT NULL OPTIONS (description = "Customer id, stable across runs."),
  `name` STRING OPTIONS (description = "Best known name."),
  `document` STRING OPTIONS (description = "CPF or CNPJ."),
  `email` STRING OPTIONS (description = "Best known e-mail."),
  `phone` STRING OPTIONS (description = "Best known phone, E.164."),
  `city` STRING OPTIONS (description = "City of the latest order."),
  `state` STRING OPTIONS (description = "State (UF code) of the latest order."),
  `postal_code` STRING OPTIONS (description = "CEP of the latest order, 8 digits."),
  `first_order_at` TIMESTAMP OPTIONS (description = "When the first order was placed."),
  `last_order_at` TIMESTAMP OPTIONS (description = "When the latest order was placed."),
  `orders_count` INT64 NOT NULL OPTIONS (description = "Number of orders."),
  `items_count` INT64 NOT NULL OPTIONS (description = "Number of units bought."),
  `total_spent` NUMERIC(18, 2) NOT NULL OPTIONS (description = "Sum of order totals in the customer's currency, cancelled orders excluded."),
  `avg_ticket` NUMERIC(18, 2) OPTIONS (description = "Average order total in the customer's currency, cancelled orders excluded."),
  `avg_days_between_orders` FLOAT64 OPTIONS (description = "Mean number of days between consecutive orders; null with a single order."),
  `channels` ARRAY<STRING> OPTIONS (description = "Sources the customer bought through."),
  `cancelled_count` INT64 NOT NULL OPTIONS (description = "Number of cancelled orders."),
  `returned_count` INT64 NOT NULL OPTIONS (description = "Number of returned orders."),
  `segment` STRING NOT NULL OPTIONS (description = "As of the manifest's as_of date, by the import's segment rules (defaults: --inactive-days 90, --recurring-orders 2; the report prints the same rules): inactive = latest purchase (an order not cancelled) 90 days ago or more; recurring = 2 purchases or more; new = fewer; no_purchase = every order cancelled or undated."),
  `rfm_recency` INT64 NOT NULL OPTIONS (description = "RFM recency score 1-5, by quintile of the latest order among all customers (5 = the most recent fifth)."),
  `rfm_frequency` INT64 NOT NULL OPTIONS (description = "RFM frequency score 1-5, by quintile of the orders not cancelled."),
  `rfm_monetary` INT64 NOT NULL OPTIONS (description = "RFM monetary score 1-5, by quintile of total_spent."),
  `usernames` ARRAY<STRING> OPTIONS (description = "Marketplace usernames or buyer ids of the customer's orders, as the marketplaces give them (Shopee hides most buyers' names but not their username); keyed hashes under --pii hash, empty under drop."),
  `currency` STRING OPTIONS (description = "ISO 4217 currency of total_spent and avg_ticket: the one most of the customer's priced orders are in; orders in another currency are left out of both.")
)
OPTIONS (description = "One row per resolved customer.");
-- LOAD DATA OVERWRITE `orderhist.customers`
--   FROM FILES (format = 'PARQUET', enable_list_inference = true,
--     uris = ['gs://BUCKET/orderhist-data/customers/*.parquet']);

CREATE TABLE IF NOT EXISTS `orderhist.identities` (
  `customer_id` STRING NOT NULL OPTIONS (description = "Customer the identifier belongs to."),
  `kind` STRING NOT NULL OPTIONS (description = "cpf, cnpj, email, phone, marketplace_user, ..."),
  `value` STRING NOT NULL OPTIONS (description = "Normalized identifier; a keyed hash under --pii hash."),
  `source` STRING NOT NULL OPTIONS (description = "Connector the identifier was seen in."),
  `first_seen_at` TIMESTAMP OPTIONS (description = "Order time of the first order carrying the identifier."),
  `last_seen_at` TIMESTAMP OPTIONS (description = "Order time of the latest order carrying the identifier."),
  `orders_count` INT64 NOT NULL OPTIONS (description = "Number of orders carrying the identifier."),
  `evidence` STRING OPTIONS (description = "How the identifier linked the customer: strong, corroborated (name and address backed by a phone fragment or mailbox), scored (name and address above the match weight) or shared (held by too many people, linked nothing); null in datasets written before the column existed.")
)
OPTIONS (description = "One row per (customer, identifier).");
-- LOAD DATA OVERWRITE `orderhist.identities`
--   FROM FILES (format = 'PARQUET', enable_list_inference = true,
--     uris = ['gs://BUCKET/orderhist-data/identities/*.parquet']);

CREATE TABLE IF NOT EXISTS `orderhist.customer_merges` (
  `merged_id` STRING NOT NULL OPTIONS (description = "Customer id that no longer exists."),
  `customer_id` STRING NOT NULL OPTIONS (description = "Customer id it now belongs to."),
  `merged_at` TIMESTAMP NOT NULL OPTIONS (description = "When the merge was found."),
  `reason` STRING NOT NULL OPTIONS (description = "Why the two customers were merged.")
)
OPTIONS (description = "Customer ids that were merged into another.");
-- LOAD DATA OVERWRITE `orderhist.customer_merges`
--   FROM FILES (format = 'PARQUET', enable_list_inference = true,
--     uris = ['gs://BUCKET/orderhist-data/customer_merges/*.parquet']);

CREATE TABLE IF NOT EXISTS `orderhist.rejects` (
  `source` STRING NOT NULL OPTIONS (description = "Connector that read the row."),
  `source_file` STRING OPTIONS (description = "Export file; null for API pulls."),
  `source_row` INT64 OPTIONS (description = "Excel row or CSV line."),
  `column` STRING OPTIONS (description = "Column as the source named it; null when the whole row is at fault."),
  `value` STRING OPTIONS (description = "The value as found."),
  `reason` STRING NOT NULL OPTIONS (description = "Why it could not be used."),
  `run_id` STRING NOT NULL OPTIONS (description = "Run that found the problem."),
  `sheet` STRING OPTIONS (description = "Worksheet, for spreadsheet exports."),
  `effect` STRING NOT NULL OPTIONS (description = "row_skipped (the row is not in the dataset) or value_dropped (written as null).")
)
OPTIONS (description = "Rows or values that could not be used, with the reason.");
-- LOAD DATA OVERWRITE `orderhist.rejects`
--   FROM FILES (format = 'PARQUET', enable_list_inference = true,
--     uris = ['gs://BUCKET/orderhist-data/rejects/*.parquet']);

CREATE TABLE IF NOT EXISTS `orderhist.customer_links` (
  `customer_id` STRING NOT NULL OPTIONS (description = "Customer the link joined."),
  `order_a` STRING NOT NULL OPTIONS (description = "One order of the pair, as source/account/order_id."),
  `order_b` STRING NOT NULL OPTIONS (description = "The other order of the pair, as source/account/order_id."),
  `weight` FLOAT64 NOT NULL OPTIONS (description = "Match weight of the pair, in bits (log2 of the odds that the two orders are one buyer's)."),
  `probability` FLOAT64 NOT NULL OPTIONS (description = "Match probability the weight stands for."),
  `name_frequency` FLOAT64 NOT NULL OPTIONS (description = "Bits the name's frequency in the seller's data added (negative for a common name)."),
  `fields` STRING NOT NULL OPTIONS (description = "JSON array, one object per compared field: {\"field\",\"level\",\"weight\",\"agree\"}; weight in bits, 0 for a field missing on either side.")
)
OPTIONS (description = "One row per link made on scored name and address evidence, with what it rested on.");
-- LOAD DATA OVERWRITE `orderhist.customer_links`
--   FROM FILES (format = 'PARQUET', enable_list_inference = true,
--     uris = ['gs://BUCKET/orderhist-data/customer_links/*.parquet']);
