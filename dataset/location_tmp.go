package dataset

func openDatasetAt(dir, location string, cat *SQLCatalog) (*Dataset, error) {
	return openDataset(dir, cat)
}
