// The MCP TypeScript SDK's demo authorization server, for `make bench`'s side-by-side runs
// (issue 20): the SDK's own in-memory provider (`DemoInMemoryAuthProvider`, which approves
// every authorization at once) behind the SDK's auth router, and a route guarded by the SDK's
// bearer middleware (`GET /whoami`). Rate limits are off, as a load test needs. Runs on the
// SDK pinned in tests/clients/typescript (`make clients` installs it).
//
//   node bench/peers/sdk_demo.mjs <port>
import { fileURLToPath, pathToFileURL } from 'node:url';
import path from 'node:path';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const modules = path.join(root, 'tests/clients/typescript/node_modules');
const sdk = (file) => import(pathToFileURL(path.join(modules, '@modelcontextprotocol/sdk/dist/esm', file)).href);

const { default: express } = await import(pathToFileURL(path.join(modules, 'express/index.js')).href);
const { DemoInMemoryAuthProvider } = await sdk('examples/server/demoInMemoryOAuthProvider.js');
const { mcpAuthRouter } = await sdk('server/auth/router.js');
const { requireBearerAuth } = await sdk('server/auth/middleware/bearerAuth.js');

const port = Number(process.argv[2] ?? 0);
const issuer = new URL(`http://localhost:${port}`);
const provider = new DemoInMemoryAuthProvider();
const app = express();
app.use(mcpAuthRouter({
    provider,
    issuerUrl: issuer,
    scopesSupported: ['mcp'],
    authorizationOptions: { rateLimit: false },
    tokenOptions: { rateLimit: false },
    clientRegistrationOptions: { rateLimit: false },
}));
app.get('/whoami', requireBearerAuth({ verifier: provider }), (req, res) => {
    res.json({ client_id: req.auth.clientId, scopes: req.auth.scopes });
});
app.listen(port, '127.0.0.1', () => console.log(`sdk demo authorization server on ${port}`));
