"""Request and response shapes. Schemas import nothing from routers, services or db."""
