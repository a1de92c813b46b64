package catalog

// SetLimits changes how many of the newest matches relevance ranks and
// up to how many matches SQLite sorts outright, so tests reach every
// path with a handful of products.
func SetLimits(s *Service, window, sortAll int) { s.window, s.sortAll = window, sortAll }
