import { EngineError } from "./errors";

/**
 * Typed readers for JSON request bodies. Each returns a typed value or throws a 400 EngineError
 * naming the field, so no untyped value passes the HTTP edge.
 */

export type JsonRecord = Record<string, unknown>;

function invalid(field: string, expected: string): EngineError {
    return new EngineError(400, `invalid request: ${field} must be ${expected}`);
}

export function isRecord(value: unknown): value is JsonRecord {
    return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** Reads an optional object; null and absent both give an empty record. */
export function recordField(parent: JsonRecord, field: string): JsonRecord {
    const value = parent[field];
    if (value === undefined || value === null) {
        return {};
    }
    if (!isRecord(value)) {
        throw invalid(field, "an object");
    }
    return value;
}

export function optionalString(parent: JsonRecord, field: string): string | null {
    const value = parent[field];
    if (value === undefined || value === null) {
        return null;
    }
    if (typeof value !== "string") {
        throw invalid(field, "a string");
    }
    return value;
}

export function optionalBoolean(parent: JsonRecord, field: string): boolean | null {
    const value = parent[field];
    if (value === undefined || value === null) {
        return null;
    }
    if (typeof value !== "boolean") {
        throw invalid(field, "a boolean");
    }
    return value;
}

/** Reads a map of string values, such as `Options` or `Labels`. */
export function stringMap(parent: JsonRecord, field: string): Record<string, string> {
    const record = recordField(parent, field);
    const result: Record<string, string> = {};
    for (const [key, value] of Object.entries(record)) {
        if (typeof value !== "string") {
            throw invalid(`${field}.${key}`, "a string");
        }
        result[key] = value;
    }
    return result;
}

/** Reads an optional array of objects. */
export function recordArray(parent: JsonRecord, field: string): JsonRecord[] {
    const value = parent[field];
    if (value === undefined || value === null) {
        return [];
    }
    if (!Array.isArray(value) || !value.every(isRecord)) {
        throw invalid(field, "an array of objects");
    }
    return value;
}

/** Reads an optional array of strings, or a single string as one item. */
export function stringList(parent: JsonRecord, field: string): string[] {
    const value = parent[field];
    if (value === undefined || value === null) {
        return [];
    }
    if (typeof value === "string") {
        return [value];
    }
    if (!Array.isArray(value) || !value.every((item) => typeof item === "string")) {
        throw invalid(field, "an array of strings");
    }
    return value as string[];
}
