/* Starts Swagger UI on /docs for this server's /openapi.json (a file, so the page's CSP needs no inline script). */
window.ui = SwaggerUIBundle({url: "/openapi.json", dom_id: "#swagger-ui", deepLinking: true});
