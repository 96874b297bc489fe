// An independent issuer for the interoperability test: Node's own crypto makes the key pairs,
// exports them as a JWKS (as an OIDC provider publishes them) and signs tokens, ES256 in the
// JOSE form (r||s) and RS256. Usage: node oidc_tokens.js DIR -> DIR/jwks.json, tokens on stdout.
'use strict';
const crypto = require('crypto');
const fs = require('fs');
const dir = process.argv[2];
const ec = crypto.generateKeyPairSync('ec', { namedCurve: 'P-256' });
const rsa = crypto.generateKeyPairSync('rsa', { modulusLength: 2048 });
const jwkEc = { ...ec.publicKey.export({ format: 'jwk' }), kid: 'oidc-ec', alg: 'ES256', use: 'sig' };
const jwkRsa = { ...rsa.publicKey.export({ format: 'jwk' }), kid: 'oidc-rsa', use: 'sig' };
fs.writeFileSync(dir + '/jwks.json', JSON.stringify({ keys: [jwkEc, jwkRsa] }));
const b64 = (b) => Buffer.from(b).toString('base64url');
function sign(alg, kid, key, claims) {
  const data = b64(JSON.stringify({ alg, kid, typ: 'JWT' })) + '.' + b64(JSON.stringify(claims));
  const sig = alg === 'ES256'
    ? crypto.sign('sha256', Buffer.from(data), { key, dsaEncoding: 'ieee-p1363' })
    : crypto.sign('sha256', Buffer.from(data), key);
  return data + '.' + b64(sig);
}
const now = Math.floor(Date.now() / 1000);
const claims = { iss: 'https://idp.example', aud: ['hotdesk', 'other'], sub: 'alice',
                 iat: now, exp: now + 600, tenants: ['acme'], role: 'operator' };
console.log(sign('ES256', 'oidc-ec', ec.privateKey, claims));
console.log(sign('RS256', 'oidc-rsa', rsa.privateKey, claims));
