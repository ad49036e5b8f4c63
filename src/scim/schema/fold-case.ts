// Case folding for caseExact=false comparison and uniqueness (RFC 7643 §2.2). One definition, used by the
// in-memory evaluator and by every store's shadow columns, so that lookups and unique indexes agree.
export function foldCase(value: string): string {
  return value.normalize('NFC').toLowerCase();
}
