// The Auth0 Management API operations the workspace uses, through the official `auth0` Node SDK 7.1.0
// (ManagementClient), against the simulator. The SDK builds `https://${domain}/...` URLs and fetches its token
// from `https://${domain}/oauth/token` (dist/cjs/management/wrapper/{ManagementClient,token-provider}.js); its
// `fetch` option (BaseClientOptions) is used for both, so a fetch that turns the https origin into the sandbox's
// http one points everything at SANDBOX_AUTH0_BASE_URL. The audience is given explicitly (the simulator's issuer
// is its http base URL). The default M2M application holds exactly the published scope list.

import { ManagementClient } from "auth0";
import { Step, env } from "../lib/sandbox_step.mjs";

const base = env("SANDBOX_AUTH0_BASE_URL").replace(/\/$/, "");
const origin = new URL(base);
const domain = origin.host; // 127.0.0.1:PORT, a bare host for the SDK's check
const sandboxFetch = (url, init) => fetch(String(url).replace(`https://${domain}`, base), init);

const auth0 = new ManagementClient({
  domain,
  clientId: env("SANDBOX_AUTH0_CLIENT_ID"),
  clientSecret: env("SANDBOX_AUTH0_CLIENT_SECRET"),
  audience: `${base}/api/v2/`,
  fetch: sandboxFetch,
  maxRetries: 0,
});

const step = new Step("auth0_node_sdk");
const status = (err) => err?.statusCode ?? err?.status;
async function refused(c, promise, code) {
  try {
    const value = await promise;
    c.answer = value;
    c.expect(false, `expected HTTP ${code}, got success`);
  } catch (err) {
    c.answer = { statusCode: status(err), body: err?.body };
    c.expect(status(err) === code, `HTTP ${code}`);
  }
}
async function all(pagePromise) {
  const out = [];
  for await (const item of await pagePromise) out.push(item);
  return out;
}

const app = "https://chat.example.com";
let clientId, connId, userId, googleId;

await step.check("clients.create (LobeHub regular web app)", { name: "LobeHub" }, async (c) => {
  const created = await auth0.clients.create({
    name: "LobeHub",
    app_type: "regular_web",
    callbacks: [`${app}/api/auth/callback/auth0`, `${app}/api/auth/oauth2/callback/auth0`],
    allowed_logout_urls: [app],
    web_origins: [app],
    grant_types: ["authorization_code", "refresh_token"],
    token_endpoint_auth_method: "client_secret_post",
    oidc_conformant: true,
    initiate_login_uri: `${app}/signin`,
    jwt_configuration: { alg: "RS256" },
  });
  c.answer = { client_id: created.client_id, initiate_login_uri: created.initiate_login_uri };
  clientId = created.client_id;
  c.expect(typeof clientId === "string" && clientId.length > 0, "client_id");
  c.expect(typeof created.client_secret === "string", "client_secret on creation");
});

await step.check("clients.create refuses a non-https initiate_login_uri", { initiate_login_uri: "http://…" }, (c) =>
  refused(c, auth0.clients.create({ name: "Bad", initiate_login_uri: "http://chat.example.com/signin" }), 400),
);

await step.check("clients.create refuses a description over 140 characters", { description: "141 chars" }, (c) =>
  refused(c, auth0.clients.create({ name: "Long", description: "d".repeat(141) }), 400),
);

await step.check("clients.list (is_global=false, offset pages)", { is_global: false }, async (c) => {
  const list = await all(auth0.clients.list({ is_global: false, per_page: 100, include_totals: true }));
  c.answer = list.map((x) => x.name);
  c.expect(list.some((x) => x.client_id === clientId), "the new app is listed");
});

await step.check("clients.get returns the secret (read:client_keys)", { id: "app" }, async (c) => {
  const got = await auth0.clients.get(clientId);
  c.answer = { name: got.name, has_secret: typeof got.client_secret === "string" };
  c.expect(typeof got.client_secret === "string", "client_secret");
});

await step.check("clients.update (merged callbacks)", { id: "app" }, async (c) => {
  const got = await auth0.clients.get(clientId);
  const callbacks = [...got.callbacks, "https://lobehub.vercel.app/api/auth/callback/auth0"];
  const updated = await auth0.clients.update(clientId, { callbacks });
  c.answer = updated.callbacks;
  c.expect(updated.callbacks.length === 3, "three callbacks");
});

await step.check("connections.create (dedicated, sign-ups disabled)", { name: "lobehub-users" }, async (c) => {
  const conn = await auth0.connections.create({
    name: "lobehub-users",
    strategy: "auth0",
    options: { disable_signup: true, requires_username: false, brute_force_protection: true, passwordPolicy: "good" },
  });
  connId = conn.id;
  c.answer = conn;
  c.expect(/^con_[A-Za-z0-9]{16}$/.test(connId), "connection id");
});

await step.check("connections.create refuses enabled_clients (deprecated)", { enabled_clients: [] }, (c) =>
  refused(c, auth0.connections.create({ name: "with-enabled", strategy: "auth0", enabled_clients: [clientId] }), 400),
);

await step.check("connections.list (strategy=auth0, name)", { strategy: "auth0" }, async (c) => {
  const list = await all(auth0.connections.list({ strategy: ["auth0"], name: "lobehub-users", take: 50 }));
  c.answer = list.map((x) => x.name);
  c.expect(list.length === 1 && list[0].id === connId, "exactly the dedicated connection");
  const google = await all(auth0.connections.list({ strategy: ["google-oauth2"] }));
  googleId = google[0]?.id;
  c.expect(typeof googleId === "string", "the social connection");
});

await step.check("connections.get (options with read:connections_options)", { id: "lobehub-users" }, async (c) => {
  const conn = await auth0.connections.get(connId);
  c.answer = conn.options;
  c.expect(conn.options?.disable_signup === true, "disable_signup");
});

await step.check("connections.update (options replaced whole, display_name sent back)", { id: "conn" }, async (c) => {
  const current = await auth0.connections.get(connId);
  const updated = await auth0.connections.update(connId, {
    display_name: "LobeHub users",
    options: { ...current.options, password_complexity_options: { min_length: 12 } },
  });
  c.answer = updated;
  c.expect(updated.options?.disable_signup === true, "other options kept");
  c.expect(updated.display_name === "LobeHub users", "display name");
});

await step.check("connections.clients.update / get (the app on the dedicated connection only)", { id: "conn" }, async (c) => {
  await auth0.connections.clients.update(connId, [{ client_id: clientId, status: true }]);
  await auth0.connections.clients.update(googleId, [{ client_id: clientId, status: false }]);
  const enabled = await all(auth0.connections.clients.get(connId, { take: 50 }));
  const ofApp = await all(auth0.clients.connections.get(clientId, { take: 50 }));
  c.answer = { enabled, ofApp: ofApp.map((x) => x.name) };
  c.expect(enabled.some((x) => x.client_id === clientId), "app enabled on the connection");
  c.expect(ofApp.length >= 1 && ofApp.every((x) => x.id === connId || x.strategy === "auth0"), "no social connection");
  c.expect(!ofApp.some((x) => x.id === googleId), "google-oauth2 off");
});

await step.check("users.create in the dedicated connection", { connection: "lobehub-users" }, async (c) => {
  const user = await auth0.users.create({
    connection: "lobehub-users",
    email: "ada@example.com",
    password: "Zq8!kV3#pW7^tL2@",
    email_verified: false,
    verify_email: false,
  });
  userId = user.user_id;
  c.answer = user;
  c.expect(userId?.startsWith("auth0|"), "user_id");
});

await step.check("users.create refuses a username without requires_username", { username: "ada2" }, (c) =>
  refused(
    c,
    auth0.users.create({ connection: "lobehub-users", email: "ada2@example.com", password: "Zq8!kV3#pW7^tL2@", username: "ada2" }),
    400,
  ),
);

await step.check("users.listUsersByEmail", { email: "ada@example.com" }, async (c) => {
  const users = await auth0.users.listUsersByEmail({ email: "ada@example.com" });
  c.answer = users.map((u) => u.user_id);
  c.expect(users.length === 1 && users[0].user_id === userId, "found once");
});

await step.check("tickets.changePassword refuses result_url with client_id", { result_url: "…", client_id: "app" }, (c) =>
  refused(c, auth0.tickets.changePassword({ user_id: userId, client_id: clientId, result_url: `${app}/` }), 400),
);

await step.check("tickets.changePassword (user_id + client_id)", { user_id: "…", client_id: "app" }, async (c) => {
  const t = await auth0.tickets.changePassword({ user_id: userId, client_id: clientId, mark_email_as_verified: true });
  c.answer = { has_ticket: typeof t.ticket === "string" };
  c.expect(typeof t.ticket === "string" && t.ticket.includes("/lo/reset"), "a ticket URL");
});

await step.check("clients.rotateSecret is outside the published scopes (403)", { id: "app" }, (c) =>
  refused(c, auth0.clients.rotateSecret(clientId), 403),
);

await step.check("users.delete (delete:users)", { id: "user" }, async (c) => {
  await auth0.users.delete(userId);
  const left = await auth0.users.listUsersByEmail({ email: "ada@example.com" });
  c.answer = left;
  c.expect(left.length === 0, "gone");
});

await step.check("clients.delete and connections.delete", { ids: "app, conn" }, async (c) => {
  await auth0.clients.delete(clientId);
  await auth0.connections.delete(connId);
  const conns = await all(auth0.connections.list({ strategy: ["auth0"], name: "lobehub-users" }));
  c.answer = conns;
  c.expect(conns.length === 0, "connection gone");
});

step.finish();
