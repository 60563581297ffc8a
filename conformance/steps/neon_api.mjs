// Neon's official TypeScript client (@neondatabase/api-client) against the Neon simulator: a project's lifecycle
// and what hangs off it (default branch, database, role, endpoint, connection URIs).
import { createApiClient } from "@neondatabase/api-client";
import { Step, env } from "../lib/sandbox_step.mjs";

const step = new Step("neon_api");
const api = createApiClient({ apiKey: env("SANDBOX_NEON_API_KEY"), baseURL: env("SANDBOX_NEON_BASE_URL") });
const name = `conformance-${process.pid}`;
let projectId;
let branchId;

await step.check("createProject", { project: { name, region_id: "aws-eu-central-1" } }, async (c) => {
  const r = await api.createProject({ project: { name, region_id: "aws-eu-central-1" } });
  c.answer = r.data;
  c.expect(r.status === 201, "201 Created");
  c.expect(r.data.project.name === name && r.data.project.region_id === "aws-eu-central-1", "name and region echoed");
  c.expect(r.data.branch && r.data.branch.default === true, "a default branch");
  c.expect(r.data.databases.length === 1 && r.data.roles.length === 1 && r.data.endpoints.length === 1, "database, role, endpoint");
  const uri = r.data.connection_uris[0];
  c.expect(uri && uri.connection_uri.startsWith("postgresql://"), "a postgresql:// connection URI");
  c.expect(uri && uri.connection_parameters.role === r.data.databases[0].owner_name, "the URI's role owns the database");
  projectId = r.data.project.id;
  branchId = r.data.branch.id;
});

await step.check("createProject with an unknown region", { region_id: "mars-1" }, async (c) => {
  try {
    const r = await api.createProject({ project: { name: "x", region_id: "mars-1" } });
    c.answer = r.data;
    c.expect(false, "refused");
  } catch (err) {
    c.answer = err.response && err.response.data;
    c.expect(err.response && err.response.status === 400, "HTTP 400");
    c.expect(err.response && typeof err.response.data.message === "string", "a message");
  }
});

await step.check("listProjects by search", { search: name }, async (c) => {
  const r = await api.listProjects({ search: name, limit: 10 });
  c.answer = r.data;
  c.expect(r.data.projects.some((p) => p.id === projectId), "the new project is listed");
  c.expect(r.data.pagination && r.data.pagination.cursor === projectId, "cursor is the last id");
});

await step.check("getProject", { projectId }, async (c) => {
  const r = await api.getProject(projectId);
  c.answer = r.data;
  c.expect(r.data.project.id === projectId, "the project");
});

await step.check("listProjectBranches", { projectId }, async (c) => {
  const r = await api.listProjectBranches({ projectId });
  c.answer = r.data;
  c.expect(r.data.branches.some((b) => b.id === branchId && b.default), "the default branch");
});

await step.check("listProjectBranchDatabases / Roles", { projectId, branchId }, async (c) => {
  const dbs = await api.listProjectBranchDatabases(projectId, branchId);
  const roles = await api.listProjectBranchRoles(projectId, branchId);
  c.answer = { databases: dbs.data, roles: roles.data };
  c.expect(dbs.data.databases[0].name === "neondb", "neondb");
  c.expect(roles.data.roles[0].name === dbs.data.databases[0].owner_name, "its owner role");
  c.expect(roles.data.roles[0].password === undefined, "no password in a listing");
});

await step.check("listProjectEndpoints", { projectId }, async (c) => {
  const r = await api.listProjectEndpoints(projectId);
  c.answer = r.data;
  c.expect(r.data.endpoints.length === 1 && r.data.endpoints[0].type === "read_write", "one read_write endpoint");
});

await step.check("getConnectionUri direct and pooled", { projectId }, async (c) => {
  const direct = await api.getConnectionUri({ projectId, database_name: "neondb", role_name: "neondb_owner" });
  const pooled = await api.getConnectionUri({ projectId, database_name: "neondb", role_name: "neondb_owner", pooled: true });
  c.answer = { direct: direct.data.uri.replace(/:[^:@]*@/, ":***@"), pooled: pooled.data.uri.replace(/:[^:@]*@/, ":***@") };
  c.expect(direct.data.uri.startsWith("postgresql://neondb_owner:"), "direct URI");
  c.expect(pooled.data.uri !== direct.data.uri, "the pooled URI differs");
});

await step.check("getConnectionUri for an unknown role", { role_name: "nobody" }, async (c) => {
  try {
    await api.getConnectionUri({ projectId, database_name: "neondb", role_name: "nobody" });
    c.expect(false, "refused");
  } catch (err) {
    c.answer = err.response && err.response.data;
    c.expect(err.response && err.response.status === 404, "HTTP 404");
  }
});

await step.check("deleteProject, then getProject is 404", { projectId }, async (c) => {
  const r = await api.deleteProject(projectId);
  c.expect(r.data.project.id === projectId, "the deleted project");
  try {
    await api.getProject(projectId);
    c.expect(false, "gone");
  } catch (err) {
    c.answer = err.response && err.response.data;
    c.expect(err.response && err.response.status === 404, "HTTP 404");
    c.expect(err.response && err.response.headers["x-neon-ret-request-id"], "a request id");
  }
});

step.finish();
