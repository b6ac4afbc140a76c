/**
 * Whether `contentType` (parameters such as `; charset=utf-8` ignored, case-insensitive) is one
 * of `allowed`, where `type/*` allows a whole family.
 */
export function contentTypeAllowed(contentType: string, allowed: readonly string[]): boolean {
  const essence = essenceOf(contentType);
  if (!/^[a-z0-9!#$&^_.+-]+\/[a-z0-9!#$&^_.+-]+$/.test(essence)) return false;
  const family = essence.split('/')[0];
  return allowed.some((pattern) => pattern === essence || pattern === `${family}/*`);
}

/** `Image/JPEG; charset=x` -> `image/jpeg`. */
export function essenceOf(contentType: string): string {
  return (contentType.split(';')[0] ?? '').trim().toLowerCase();
}
