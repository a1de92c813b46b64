package web

// shopRoutes are the shopper's pages: catalog, search, cart, checkout
// and order history.
func (p *Pages) shopRoutes() []Route {
	return nil
}
