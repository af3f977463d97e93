/**
 * PLACEHOLDER: overwritten by `npm run gen:api` (openapi-typescript) from the server's OpenAPI
 * schema at ../autonomos/server/openapi.json. Until the server dumps it, no paths are typed and
 * hooks use the hand-written shim in src/api/types.ts through src/api/http.ts.
 */
// eslint-disable-next-line @typescript-eslint/no-empty-object-type
export interface paths {}
