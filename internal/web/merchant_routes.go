package web

// merchantRoutes are the merchant back office's pages.
func (p *Pages) merchantRoutes() []Route {
	return nil
}
