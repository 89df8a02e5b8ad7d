// The tenant's settings of the catalog (plugin.json capabilities.config), as an operator set them.

/** The catalog's per-tenant configuration; `{}` until an operator sets it. */
export interface CatalogConfig {
  /** The currencies the ISP sells in; absent: any ISO 4217 currency. */
  readonly currencies?: readonly string[];
  /** Fewest days of notice a change for existing subscribers may give; absent: 0. */
  readonly minimumNoticeDays?: number;
}
