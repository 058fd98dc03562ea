/** A flat object's fields as a definition list: for answers whose fields the page does not know. */
export function Fields({ value }: { value: Record<string, unknown> | null | undefined }) {
  if (!value) return null;
  return (
    <dl class="details">
      {Object.entries(value).map(([name, v]) => (
        <div key={name}>
          <dt>{name}</dt>
          <dd>{v === null || v === undefined ? "–" : typeof v === "object" ? JSON.stringify(v) : String(v)}</dd>
        </div>
      ))}
    </dl>
  );
}
