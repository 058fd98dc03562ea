/**
 * Where key ids live: not a string each, but a slice of a source string (a snapshot chunk's
 * space-separated ids, or one event's id), which saves a million small heap objects. A source
 * is counted by the records pointing into it and dropped when none does.
 * @module
 */
export class IdSources {
  private texts: string[] = [];
  private users: number[] = [];
  private free: number[] = [];

  /** Registers `text`, held once by the caller (until `release`). */
  add(text: string): number {
    const source = this.free.pop() ?? this.texts.length;
    this.texts[source] = text;
    this.users[source] = 1;
    return source;
  }

  /** One more record points into `source`. */
  retain(source: number): void {
    this.users[source] = (this.users[source] as number) + 1;
  }

  /** One holder less; the last one frees the source. */
  release(source: number): void {
    const users = (this.users[source] as number) - 1;
    this.users[source] = users;
    if (users === 0) {
      this.texts[source] = "";
      this.free.push(source);
    }
  }

  text(source: number): string {
    return this.texts[source] as string;
  }
}
