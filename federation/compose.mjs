// Composes subgraph SDLs into a supergraph with @theguild/federation-composition.
// stdin:  {"subgraphs": [{"name": "kotahub", "url": "http://…/graphql", "sdl": "…"}, …]}
// stdout: {"supergraphSdl": "…", "publicSdl": "…"} or {"errors": [{"message": "…", "code": "…"}]}
// Exit status 0 either way; 2 when the input itself cannot be read.
import { readFileSync } from "node:fs";
import { parse } from "graphql";
import { composeServices, compositionHasErrors } from "@theguild/federation-composition";

function readInput() {
  try {
    const input = JSON.parse(readFileSync(0, "utf8"));
    return input.subgraphs.map(({ name, url, sdl }) => ({ name, url, typeDefs: parse(sdl) }));
  } catch (error) {
    process.stderr.write(`compose.mjs: expected {"subgraphs": [{name, url, sdl}]}: ${error}\n`);
    process.exit(2);
  }
}

const result = composeServices(readInput());
const answer = compositionHasErrors(result)
  ? { errors: result.errors.map((e) => ({ message: e.message, code: e.extensions?.code ?? null })) }
  : { supergraphSdl: result.supergraphSdl, publicSdl: result.publicSdl };
process.stdout.write(JSON.stringify(answer));
