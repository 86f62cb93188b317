import { EngineError } from "./errors";

/** Parsed `filters` query parameter: each key with its accepted values. */
export type Filters = Map<string, string[]>;

/**
 * Parses the `filters` query parameter, a JSON object in either form Docker accepts:
 * `{"name":{"web":true}}` or the older `{"name":["web"]}`. Keys outside `allowed` give the 400
 * error Docker gives.
 */
export function parseFilters(text: string | null, allowed: readonly string[]): Filters {
    const filters: Filters = new Map();
    if (text === null || text === "") {
        return filters;
    }
    let parsed: unknown;
    try {
        parsed = JSON.parse(text);
    } catch {
        throw new EngineError(400, `invalid filter: ${text}`);
    }
    if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) {
        throw new EngineError(400, `invalid filter: ${text}`);
    }
    for (const [key, value] of Object.entries(parsed)) {
        if (!allowed.includes(key)) {
            throw new EngineError(400, `invalid filter '${key}'`);
        }
        filters.set(key, filterValues(key, value));
    }
    return filters;
}

function filterValues(key: string, value: unknown): string[] {
    if (Array.isArray(value) && value.every((item) => typeof item === "string")) {
        return value as string[];
    }
    if (typeof value === "object" && value !== null) {
        return Object.entries(value)
            .filter(([, enabled]) => enabled === true)
            .map(([item]) => item);
    }
    throw new EngineError(400, `invalid filter '${key}'`);
}

/** True when `filters` has no `key` or any of its values is a substring of `actual`, as Docker matches names and ids. */
export function matchesSubstring(filters: Filters, key: string, actual: string): boolean {
    const values = filters.get(key);
    return values === undefined || values.some((value) => actual.includes(value));
}

export function matchesExact(filters: Filters, key: string, actual: string): boolean {
    const values = filters.get(key);
    return values === undefined || values.includes(actual);
}

/** Label filters: every value (`key` or `key=value`) must match; several values are ANDed as in Docker. */
export function matchesLabels(filters: Filters, labels: Record<string, string>): boolean {
    const values = filters.get("label");
    if (values === undefined) {
        return true;
    }
    return values.every((value) => {
        const separator = value.indexOf("=");
        if (separator < 0) {
            return Object.prototype.hasOwnProperty.call(labels, value);
        }
        return labels[value.slice(0, separator)] === value.slice(separator + 1);
    });
}
