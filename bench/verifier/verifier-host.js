// A child process hosting N verifiers. Commands over IPC:
//   { type: "await-accept", id, tokens }  -> reports when every verifier accepts every token
//   { type: "watch", id, tokens }         -> reports the time (epoch ms, sub-ms) at which the
//                                            last of its verifiers rejected every token
//   { type: "status" } / { type: "close" }
import { createVerifier } from "../../packages/verifier/dist/index.js";

const [url, credential, count, label] = process.argv.slice(2);
// CLOCK_MONOTONIC in ms: one clock for every process on the machine. (timeOrigin + now() is
// each process's wall clock at its start: a step of the system clock between the starts of
// the benchmark and of a host process once showed as 8 s of "propagation".)
const now = () => Number(process.hrtime.bigint()) / 1e6;
const verifiers = [];
for (let i = 0; i < Number(count); i++) {
  verifiers.push(
    createVerifier({ url, credential, name: `${label}-${i}`, staleness: "5s", usage: false, onError: () => {} }),
  );
}
const started = now();
await Promise.all(verifiers.map((v) => v.ready(300_000)));
process.send({ type: "ready", ms: now() - started });

function poll(id, tokens, wantOk) {
  // Per verifier, how many of `tokens` have reached the wanted outcome (they are checked in
  // order, and one change flips them all at once): a tick costs about one verify() per pending
  // verifier, so that watching does not take the CPU the revocation being watched needs.
  const reached = new Array(verifiers.length).fill(0);
  let remaining = verifiers.length;
  let last = 0;
  const tick = () => {
    for (let i = 0; i < verifiers.length; i++) {
      if (reached[i] === tokens.length) continue;
      const v = verifiers[i];
      while (reached[i] < tokens.length && v.verify(tokens[reached[i]]).ok === wantOk) reached[i]++;
      if (reached[i] === tokens.length) {
        remaining--;
        last = now();
      }
    }
    if (remaining === 0) process.send({ type: "done", id, at: last });
    // Every millisecond, not in a busy loop: four hosts spinning would take the two cores from
    // the authority and the feed they are measuring. Figures are late by at most that 1 ms.
    else setTimeout(tick, 1);
  };
  tick();
}

process.on("message", async (message) => {
  if (message.type === "await-accept") poll(message.id, message.tokens, true);
  else if (message.type === "watch") poll(message.id, message.tokens, false);
  else if (message.type === "close") {
    await Promise.all(verifiers.map((v) => v.close()));
    process.exit(0);
  }
});
