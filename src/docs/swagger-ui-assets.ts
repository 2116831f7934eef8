/**
 * Swagger UI's files that the /docs page loads, from the `swagger-ui-dist` package (pinned
 * exactly in package.json; test/docs/swagger-ui-assets.test.ts checks these against it).
 */
export const SWAGGER_UI_VERSION = '5.35.0';

export interface SwaggerUiAsset {
  contentType: string;
  /** Subresource Integrity: the browser refuses other bytes, whether the gateway or the CDN sent them. */
  integrity: string;
}

export const SWAGGER_UI_ASSETS: Readonly<Record<string, SwaggerUiAsset>> = {
  'swagger-ui-bundle.js': {
    contentType: 'text/javascript; charset=utf-8',
    integrity: 'sha384-gjRm0bEPMeTmMh5jT2cHccIwCUZSTd8YC+j0d0sXw0MdGEfScduGpSyF3ZSSLkX9',
  },
  'swagger-ui.css': {
    contentType: 'text/css; charset=utf-8',
    integrity: 'sha384-WlYgdmXYOOBWL5apwjDEZwN+U3HmXSSu5R6V5aGxEcf7z+KuRNwBhoxKVN1i3D5I',
  },
};

export function isSwaggerUiAsset(name: string): boolean {
  return Object.hasOwn(SWAGGER_UI_ASSETS, name);
}

/** Where the gateway serves an asset; the version in the query makes a long cache safe across upgrades. */
export function localAssetUrl(name: string): string {
  return `/docs/${name}?v=${SWAGGER_UI_VERSION}`;
}

/** The same file on jsDelivr, which serves npm packages' files unchanged (so the integrity holds). */
export function cdnAssetUrl(name: string): string {
  return `https://cdn.jsdelivr.net/npm/swagger-ui-dist@${SWAGGER_UI_VERSION}/${name}`;
}
