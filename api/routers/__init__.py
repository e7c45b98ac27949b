"""HTTP routers, one module per area. Handlers are thin: load (404 in scope), call a service, shape."""
