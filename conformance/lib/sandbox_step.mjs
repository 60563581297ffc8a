// Helpers for conformance step files written for Node (`conformance/steps/*.mjs`); import them with
// `import { Step, env, loopbackAgent } from "../lib/sandbox_step.mjs";`.
//
// `conformance/run` runs each step with the variables of `lobehub-sandbox serve` in its environment (see
// conformance-contract.md). A failed check prints what was asked and what the simulator answered; `finish()`
// exits 1 when any check failed.
//
//   const step = new Step("vercel_sdk");
//   await step.check("createProject", { name: "p" }, async (c) => {
//     const p = await vercel.projects.createProject({ requestBody: { name: "p" } });
//     c.answer = p;
//     c.expect(p.name === "p", "name echoed");
//   });
//   step.finish();

import dns from "node:dns";
import http from "node:http";

/** The value of a `SANDBOX_*` variable; exits 1 naming it when missing. */
export function env(name) {
  const value = process.env[name];
  if (!value) {
    console.log(`FAIL missing variable ${name} (is this step run by conformance/run?)`);
    process.exit(1);
  }
  return value;
}

/** A `net` lookup that resolves `*.aliyuncs.com` to 127.0.0.1 (the contract's virtual hosting on loopback). */
export function loopbackLookup(hostname, options, callback) {
  if (typeof options === "function") {
    callback = options;
    options = {};
  }
  if (hostname === "aliyuncs.com" || hostname.endsWith(".aliyuncs.com")) {
    if (options && options.all) return callback(null, [{ address: "127.0.0.1", family: 4 }]);
    return callback(null, "127.0.0.1", 4);
  }
  return dns.lookup(hostname, options, callback);
}

/** An `http.Agent` whose connections resolve `*.aliyuncs.com` to 127.0.0.1. */
export function loopbackAgent(options = {}) {
  return new http.Agent({ keepAlive: true, ...options, lookup: loopbackLookup });
}

class CheckFailed extends Error {}

function show(value) {
  if (value === undefined || value === null) return "-";
  if (typeof value === "string") return value;
  try {
    return JSON.stringify(value, null, 2);
  } catch {
    return String(value);
  }
}

/** What an SDK error says the server answered, when it says anything. */
function errorAnswer(err) {
  const out = {};
  for (const k of ["name", "code", "status", "statusCode", "message", "body", "rawResponse", "$metadata", "requestId"]) {
    if (err && err[k] !== undefined && k !== "rawResponse") out[k] = err[k];
  }
  return Object.keys(out).length ? out : undefined;
}

/** A step file's checks. */
export class Step {
  constructor(name) {
    this.name = name;
    this.passed = 0;
    this.failed = 0;
  }

  /** Runs `fn(check)`; a thrown error or failed `check.expect` fails the check, and the step goes on. */
  async check(name, request, fn) {
    const c = {
      answer: undefined,
      problems: [],
      expect(condition, what) {
        if (!condition) {
          this.problems.push(what);
          throw new CheckFailed(what);
        }
      },
    };
    try {
      await fn(c);
    } catch (err) {
      if (!(err instanceof CheckFailed)) {
        c.problems.push(`${err && err.name}: ${err && err.message}`);
        if (c.answer === undefined) c.answer = errorAnswer(err);
        if (err && err.stack) c.problems.push(String(err.stack).split("\n").slice(0, 5).join("\n"));
      }
    }
    if (c.problems.length) {
      this.failed += 1;
      console.log(`FAIL ${this.name}: ${name}`);
      for (const p of c.problems) console.log("  " + p.replaceAll("\n", "\n  "));
      console.log("  request: " + show(request).replaceAll("\n", "\n  "));
      console.log("  answer:  " + show(c.answer).replaceAll("\n", "\n  "));
    } else {
      this.passed += 1;
      console.log(`ok   ${this.name}: ${name}`);
    }
    return c;
  }

  /** Prints the summary and exits 0 when every check passed, 1 otherwise. */
  finish() {
    console.log(`${this.name}: ${this.passed} checks passed, ${this.failed} failed`);
    process.exit(this.failed || !this.passed ? 1 : 0);
  }
}
