/** Query parameters that carry credentials: tickets, tokens, and the signature of a pre-signed S3 URL. */
const CREDENTIAL_PARAMETERS =
  /^(ticket|token|access_token|id_token|refresh_token|password|secret|api_key|apikey|key|x-amz-signature|x-amz-credential|x-amz-security-token|signature)$/i;

/**
 * A URL (absolute, or a path with a query) with the values of credential-carrying query
 * parameters replaced, so it can be logged: `/v1/realtime?ticket=eyJ...` -> `/v1/realtime?ticket=[redacted]`.
 */
export function redactUrl(url: string): string {
  const query = url.indexOf('?');
  if (query < 0) return url;
  const hash = url.indexOf('#', query);
  const end = hash < 0 ? url.length : hash;
  const pairs = url
    .slice(query + 1, end)
    .split('&')
    .map((pair) => {
      const equals = pair.indexOf('=');
      const name = equals < 0 ? pair : pair.slice(0, equals);
      let decoded = name;
      try {
        decoded = decodeURIComponent(name);
      } catch {
        // a malformed name is logged as it came
      }
      return equals >= 0 && CREDENTIAL_PARAMETERS.test(decoded) ? `${name}=[redacted]` : pair;
    });
  return `${url.slice(0, query)}?${pairs.join('&')}${url.slice(end)}`;
}
