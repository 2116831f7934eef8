import { localAssetUrl, SWAGGER_UI_ASSETS } from './swagger-ui-assets.ts';

const asset = (name: string) => {
  const { integrity } = SWAGGER_UI_ASSETS[name]!;
  return { href: localAssetUrl(name), integrity };
};

/**
 * The /docs page: Swagger UI over /openapi.json, its script and stylesheet from the gateway
 * itself (GET /docs/{file}), so the page works on a machine without internet.
 */
export function renderDocsPage(title: string): string {
  const css = asset('swagger-ui.css');
  const js = asset('swagger-ui-bundle.js');
  // crossorigin: integrity is checked in CORS mode, which also covers a redirect to the CDN
  // (runtimes without the files). validatorUrl null: no badge fetched from validator.swagger.io.
  // The empty icon keeps the browser from asking for /favicon.ico.
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${title}</title>
<link rel="icon" href="data:,">
<link rel="stylesheet" href="${css.href}" integrity="${css.integrity}" crossorigin="anonymous">
</head>
<body>
<div id="swagger-ui"></div>
<script src="${js.href}" integrity="${js.integrity}" crossorigin="anonymous"></script>
<script>
window.onload = () => {
  window.ui = SwaggerUIBundle({
    dom_id: '#swagger-ui',
    url: '/openapi.json',
    validatorUrl: null,
    deepLinking: true,
  });
};
</script>
</body>
</html>
`;
}
