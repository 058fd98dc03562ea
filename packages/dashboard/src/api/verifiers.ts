export interface VerifierRow {
  id: string;
  name: string;
  authorityInstance: string;
  appliedSequence: number;
  lag: number;
  stalenessMs: number;
  connectedAt: string;
  lastSeenAt: string;
}

export interface Fleet {
  head: number;
  verifiers: VerifierRow[];
}
