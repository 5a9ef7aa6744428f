/**
 * DESIGN.md, "Consumption order": the first item that fits a request and has capacity serves it.
 * By default the item that expires first goes first, then the narrower one (fewer deployment
 * types, then fewer modules — an item with no module list covers every module, the widest), then
 * the item id. The admin can reorder a code's items; that order then stands as saved.
 */
export interface OrderableItem {
  itemId: string;
  expiresAt: Date;
  deploymentTypes: readonly string[];
  modules: readonly string[];
}

const breadth = (modules: readonly string[]) => (modules.length === 0 ? Number.POSITIVE_INFINITY : modules.length);

export function compareByDefaultOrder(a: OrderableItem, b: OrderableItem): number {
  return (
    a.expiresAt.getTime() - b.expiresAt.getTime() ||
    a.deploymentTypes.length - b.deploymentTypes.length ||
    (breadth(a.modules) === breadth(b.modules) ? 0 : breadth(a.modules) < breadth(b.modules) ? -1 : 1) ||
    a.itemId.localeCompare(b.itemId, "en", { numeric: true })
  );
}

export function defaultOrder<T extends OrderableItem>(items: readonly T[]): T[] {
  return [...items].sort(compareByDefaultOrder);
}
