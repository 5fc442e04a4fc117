"""Server-rendered web pages (Jinja2 + a little htmx) over the same desk as the API."""
