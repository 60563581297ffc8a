// GitHub's official REST client (@octokit/rest) against the GitHub simulator: the guide's fork of lobehub/lobehub
// (asynchronous readiness), its listing, and the Actions workflows the fork's upstream sync runs from.
import { Octokit } from "@octokit/rest";
import { Step, env } from "../lib/sandbox_step.mjs";

const step = new Step("github_octokit");
const octokit = new Octokit({ auth: env("SANDBOX_GITHUB_TOKEN"), baseUrl: env("SANDBOX_GITHUB_BASE_URL") });
let login;
let fork;

await step.check("users.getAuthenticated", {}, async (c) => {
  const r = await octokit.rest.users.getAuthenticated();
  c.answer = r.data;
  c.expect(r.status === 200 && typeof r.data.login === "string", "a login");
  login = r.data.login;
});

await step.check("unauthenticated is 401", {}, async (c) => {
  try {
    await new Octokit({ baseUrl: env("SANDBOX_GITHUB_BASE_URL") }).rest.users.getAuthenticated();
    c.expect(false, "refused");
  } catch (err) {
    c.answer = { status: err.status, message: err.message };
    c.expect(err.status === 401, "HTTP 401");
  }
});

await step.check("repos.get lobehub/lobehub", {}, async (c) => {
  const r = await octokit.rest.repos.get({ owner: "lobehub", repo: "lobehub" });
  c.answer = { full_name: r.data.full_name, default_branch: r.data.default_branch };
  c.expect(r.data.full_name === "lobehub/lobehub" && r.data.default_branch === "main", "the upstream");
});

await step.check("repos.createFork", { owner: "lobehub", repo: "lobehub", default_branch_only: true }, async (c) => {
  const r = await octokit.rest.repos.createFork({ owner: "lobehub", repo: "lobehub", default_branch_only: true });
  c.answer = { status: r.status, full_name: r.data.full_name, fork: r.data.fork };
  c.expect(r.status === 202, "202 Accepted (forking is asynchronous)");
  c.expect(r.data.fork === true && r.data.owner.login === login, "a fork owned by the user");
  c.expect(r.data.parent && r.data.parent.full_name === "lobehub/lobehub", "its parent");
  fork = r.data;
});

await step.check("repos.getBranch until the fork is ready", {}, async (c) => {
  let lastStatus;
  for (let i = 0; i < 20; i++) {
    try {
      const r = await octokit.rest.repos.getBranch({ owner: login, repo: fork.name, branch: fork.default_branch });
      c.answer = { attempts: i + 1, name: r.data.name };
      c.expect(r.data.name === fork.default_branch, "the default branch");
      return;
    } catch (err) {
      lastStatus = err.status;
      if (err.status !== 404) throw err;
    }
  }
  c.expect(false, `still not ready after 20 reads (last HTTP ${lastStatus})`);
});

await step.check("repos.createFork again answers the same fork", {}, async (c) => {
  const r = await octokit.rest.repos.createFork({ owner: "lobehub", repo: "lobehub" });
  c.answer = { full_name: r.data.full_name };
  c.expect(r.data.id === fork.id, "the existing fork");
});

await step.check("repos.listForks", { per_page: 100 }, async (c) => {
  const r = await octokit.rest.repos.listForks({ owner: "lobehub", repo: "lobehub", per_page: 100 });
  c.answer = r.data.map((x) => x.full_name);
  c.expect(r.data.some((x) => x.id === fork.id), "the fork is listed");
});

let sync;
await step.check("actions.listRepoWorkflows", {}, async (c) => {
  const r = await octokit.rest.actions.listRepoWorkflows({ owner: login, repo: fork.name });
  c.answer = r.data.workflows.map((w) => ({ id: w.id, path: w.path, state: w.state }));
  sync = r.data.workflows.find((w) => w.path === ".github/workflows/sync.yml");
  c.expect(r.data.total_count === r.data.workflows.length, "total_count");
  c.expect(sync && sync.state === "active" && sync.name === "Upstream Sync", "LobeHub's Upstream Sync, active");
});

await step.check("actions.disableWorkflow / enableWorkflow", {}, async (c) => {
  const d = await octokit.rest.actions.disableWorkflow({ owner: login, repo: fork.name, workflow_id: sync.id });
  c.expect(d.status === 204, "disable: 204");
  const listed = await octokit.rest.actions.listRepoWorkflows({ owner: login, repo: fork.name });
  const state = listed.data.workflows.find((x) => x.id === sync.id).state;
  c.answer = { state };
  c.expect(state === "disabled_manually", "disabled_manually");
  const e = await octokit.rest.actions.enableWorkflow({ owner: login, repo: fork.name, workflow_id: "sync.yml" });
  c.expect(e.status === 204, "enable by file name: 204");
});

await step.check("apps.listInstallationsForAuthenticatedUser", {}, async (c) => {
  const r = await octokit.rest.apps.listInstallationsForAuthenticatedUser();
  c.answer = r.data.installations.map((i) => ({ app_slug: i.app_slug, account: i.account.login, selection: i.repository_selection }));
  c.expect(r.data.installations.some((i) => i.app_slug === "vercel" && i.account.login === login), "Vercel's app on the user");
});

step.finish();
