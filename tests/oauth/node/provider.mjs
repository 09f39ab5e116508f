// A real OpenID Connect provider for tests/oauth: panva's oidc-provider (OpenID certified),
// configured as a mail provider's identity platform would be. Its login and consent pages are
// the library's own "devInteractions" (any login name, a Continue/Cancel consent); the access
// tokens are for one resource server, the mail server, whose scope is SMTP.Send, and that
// server (Dovecot) checks them through the standard introspection endpoint (RFC 7662).
//
// Two more resource servers (RFC 8707 resource indicators, asked for with `resource=`) get JWT
// access tokens (RFC 9068) signed with this run's own RSA key, as Microsoft's are: the mail
// server https://mail.oauth.test/ that Dovecot checks locally, and another API of the same
// provider, https://api.example.test/ (Microsoft Graph next to Exchange Online), whose tokens
// are alike in all but their audience. A login name starting "many-groups" gets 100 group
// claims, as a large organisation's tokens do: a token longer than an SMTP command line.
//
// Settings come as one JSON argument: host, cert and key files, the access token lifetime, the
// signing key. Prints {"issuer": ...} on stdout once listening on an ephemeral port.
import crypto from 'node:crypto';
import fs from 'node:fs';
import https from 'node:https';
import Provider from 'oidc-provider';

const opts = JSON.parse(process.argv[2]);
export const SMTP_RESOURCE = 'urn:smtpwizard:test:smtp';
const JWT_RESOURCES = ['https://mail.oauth.test/', 'https://api.example.test/'];
// The run's RSA key comes from the test (a JWK with its kid): generating one here with
// crypto.generateKeyPairSync left node 20 stuck before listening about once in 40 starts.
const signingKey = { ...opts.signing_key, use: 'sig', alg: 'RS256' };
const KID = signingKey.kid;

const server = https.createServer({
  cert: fs.readFileSync(opts.cert),
  key: fs.readFileSync(opts.key),
});

server.listen(0, opts.host, () => {
  const { port } = server.address();
  const issuer = `https://${opts.host}:${port}`;
  const provider = new Provider(issuer, {
    clients: [
      {
        // The "bring your own client ID" app: a public native client (RFC 8252), no secret.
        client_id: opts.client_id,
        application_type: 'native',
        token_endpoint_auth_method: 'none',
        redirect_uris: ['http://127.0.0.1/'],
        grant_types: [
          'authorization_code',
          'refresh_token',
          'urn:ietf:params:oauth:grant-type:device_code',
        ],
        response_types: ['code'],
      },
      {
        // The mail server's own credentials for the introspection endpoint.
        client_id: 'dovecot',
        client_secret: opts.introspection_secret,
        grant_types: [],
        response_types: [],
        redirect_uris: [],
      },
    ],
    jwks: { keys: [signingKey] },
    pkce: { required: () => true },
    scopes: ['openid', 'offline_access', 'email', 'SMTP.Send', 'Other.Read'],
    claims: { openid: ['sub'], email: ['email'] },
    findAccount: async (_ctx, sub) => ({
      accountId: sub,
      claims: async () => ({ sub, email: sub }),
    }),
    features: {
      devInteractions: { enabled: true },
      deviceFlow: { enabled: true },
      introspection: { enabled: true },
      revocation: { enabled: true },
      resourceIndicators: {
        enabled: true,
        defaultResource: async () => SMTP_RESOURCE,
        useGrantedResource: async () => true,
        getResourceServerInfo: async (_ctx, resource) => {
          if (JWT_RESOURCES.includes(resource)) {
            return {
              scope: 'SMTP.Send Other.Read',
              audience: resource,
              accessTokenFormat: 'jwt',
              accessTokenTTL: opts.access_token_ttl,
              jwt: { sign: { alg: 'RS256', kid: KID } },
            };
          }
          if (resource !== SMTP_RESOURCE) throw new Error('unknown resource');
          return {
            scope: 'SMTP.Send Other.Read',
            audience: SMTP_RESOURCE,
            accessTokenFormat: 'opaque',
            accessTokenTTL: opts.access_token_ttl,
          };
        },
      },
    },
    // Dovecot 2.3.19 takes only `"typ": "JWT"` (src/lib-oauth2/oauth2-jwt.c), which is what
    // Microsoft's access tokens say; RFC 9068's "at+jwt" is oidc-provider's default.
    formats: {
      customizers: {
        jwt: async (_ctx, _token, jwt) => {
          jwt.header = { typ: 'JWT' };
        },
      },
    },
    extraTokenClaims: async (_ctx, token) =>
      token.accountId?.startsWith('many-groups')
        ? { groups: Array.from({ length: 100 }, (_, i) => crypto.createHash('md5').update(`g${i}`).digest('hex')) }
        : undefined,
    // Refresh tokens whenever offline_access is granted, as Microsoft and Google do.
    issueRefreshToken: async (_ctx, client, code) =>
      client.grantTypeAllowed('refresh_token') && code.scopes.has('offline_access'),
    // The consent page: grant what was asked (devInteractions' own consent is a Continue button).
    loadExistingGrant: undefined,
    ttl: { DeviceCode: 120, Interaction: 120, Session: 600, Grant: 600, RefreshToken: 600 },
  });
  provider.proxy = false;
  server.on('request', provider.callback());
  process.stdout.write(`${JSON.stringify({ issuer })}\n`);
});

process.on('SIGTERM', () => server.close(() => process.exit(0)));
