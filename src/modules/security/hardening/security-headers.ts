/**
 * Response headers every route sends (OWASP Secure Headers Project; what
 * helmet sets for an API). The service serves JSON, text and one printable
 * HTML report (inline styles only), so the CSP allows nothing else; nothing
 * may frame it. Admin answers are never cached by intermediaries.
 */
export const SECURITY_HEADERS: Readonly<Record<string, string>> = {
  'x-content-type-options': 'nosniff',
  'x-frame-options': 'DENY',
  'referrer-policy': 'no-referrer',
  'content-security-policy': "default-src 'none'; style-src 'unsafe-inline'; img-src data:; frame-ancestors 'none'",
  'cross-origin-opener-policy': 'same-origin',
  'cross-origin-resource-policy': 'same-origin',
  'x-permitted-cross-domain-policies': 'none',
  // Meaningful only over TLS (at the ingress); harmless on plain HTTP.
  'strict-transport-security': 'max-age=15552000; includeSubDomains',
};

export function securityHeadersFor(url: string): Record<string, string> {
  const headers: Record<string, string> = { ...SECURITY_HEADERS };
  if (url === '/admin' || url.startsWith('/admin/') || url.startsWith('/admin?')) headers['cache-control'] = 'no-store';
  return headers;
}
