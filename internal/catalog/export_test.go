package catalog

// SetWindow changes how many of the newest matches relevance ranks, so
// tests can reach the windowed paths with a handful of products.
func SetWindow(s *Service, n int) { s.window = n }
