// Helpers for property maps in the engine's wire form, as `@pulumi/pulumi/runtime/rpc` defines it (3.248.0):
// a secret is `{ [SIG_KEY]: SECRET_SIG, value }`, a resource reference `{ [SIG_KEY]: RESOURCE_SIG, urn, id? }`,
// and an unknown value during preview is the string UNKNOWN_VALUE.
import { isDeepStrictEqual } from "util";

import { PropertyMap, PropertyValue } from "./types";

export const SIG_KEY = "4dabf18193072939515e22adb298388d";
export const SECRET_SIG = "1b47061264138c4ac30d75fd1eb44270";
export const RESOURCE_SIG = "5cf8f73096256a8f31e491e813e4eb8e";
export const UNKNOWN_VALUE = "04da6b54-80e4-46f7-96ec-b56ff0331ba9";

export function isObject(value: PropertyValue | undefined): value is PropertyMap {
    return typeof value === "object" && value !== null && !Array.isArray(value);
}

export function isSecret(value: PropertyValue | undefined): value is PropertyMap {
    return isObject(value) && value[SIG_KEY] === SECRET_SIG;
}

export function makeSecret(value: PropertyValue): PropertyValue {
    return isSecret(value) ? value : { [SIG_KEY]: SECRET_SIG, value };
}

export function containsSecrets(value: PropertyValue | undefined): boolean {
    if (isSecret(value)) {
        return true;
    }
    if (Array.isArray(value)) {
        return value.some(containsSecrets);
    }
    return isObject(value) && Object.values(value).some(containsSecrets);
}

export function containsUnknowns(value: PropertyValue | undefined): boolean {
    if (value === UNKNOWN_VALUE) {
        return true;
    }
    if (Array.isArray(value)) {
        return value.some(containsUnknowns);
    }
    return isObject(value) && Object.values(value).some(containsUnknowns);
}

/**
 * Converts a value to what the engine sends to a provider that accepts neither secrets nor resource references,
 * such as the dynamic provider. Secrets lose their wrapper. A resource reference becomes its ID, or its URN when it
 * has no ID.
 */
export function toProviderValue(value: PropertyValue): PropertyValue {
    if (Array.isArray(value)) {
        return value.map(toProviderValue);
    }
    if (!isObject(value)) {
        return value;
    }
    if (value[SIG_KEY] === SECRET_SIG) {
        return toProviderValue(value.value ?? null);
    }
    if (value[SIG_KEY] === RESOURCE_SIG) {
        const id = value.id;
        return typeof id === "string" && id !== "" ? id : (value.urn ?? null);
    }
    return mapValues(value, toProviderValue);
}

export function toProviderMap(map: PropertyMap): PropertyMap {
    return mapValues(map, toProviderValue);
}

/**
 * Marks as secret every key of `outs` whose same-named key in `ins` contains a secret, recursing where both are
 * objects. The engine does this for providers that do not accept secrets (`annotateSecrets` in the Go SDK's
 * provider plugin).
 */
export function annotateSecrets(outs: PropertyMap, ins: PropertyMap): PropertyMap {
    const result: PropertyMap = { ...outs };
    for (const [key, inValue] of Object.entries(ins)) {
        if (!(key in result)) {
            continue;
        }
        const outValue = result[key];
        if (isObject(outValue) && isObject(inValue) && !isSecret(outValue) && !isSecret(inValue)) {
            result[key] = annotateSecrets(outValue, inValue);
        } else if (!isSecret(outValue) && containsSecrets(inValue)) {
            result[key] = makeSecret(outValue);
        }
    }
    return result;
}

/** Marks the listed top-level keys as secret, as the `additionalSecretOutputs` resource option does. */
export function markSecretKeys(map: PropertyMap, keys: string[]): PropertyMap {
    const result: PropertyMap = { ...map };
    for (const key of keys) {
        if (key in result) {
            result[key] = makeSecret(result[key]);
        }
    }
    return result;
}

/** Removes secret wrappers and shows unknowns as "[unknown]", for stack outputs shown to people and tests. */
export function toDisplayValue(value: PropertyValue): unknown {
    if (value === UNKNOWN_VALUE) {
        return "[unknown]";
    }
    if (Array.isArray(value)) {
        return value.map(toDisplayValue);
    }
    if (isSecret(value)) {
        return toDisplayValue(value.value ?? null);
    }
    if (isObject(value)) {
        const result: Record<string, unknown> = {};
        for (const [key, item] of Object.entries(value)) {
            result[key] = toDisplayValue(item);
        }
        return result;
    }
    return value;
}

/**
 * Returns a copy of `map` without the values at `paths` (lists of object keys), but only where the value is
 * unknown, possibly inside a secret. Paths that lead elsewhere are ignored.
 */
export function removeUnknownPaths(map: PropertyMap, paths: string[][]): PropertyMap {
    let result = map;
    for (const path of paths) {
        result = removeUnknownPath(result, path);
    }
    return result;
}

function removeUnknownPath(map: PropertyMap, path: string[]): PropertyMap {
    const [key, ...rest] = path;
    if (key === undefined || !(key in map)) {
        return map;
    }
    const value = map[key];
    const result: PropertyMap = { ...map };
    if (rest.length > 0) {
        if (isObject(value) && !isSecret(value)) {
            result[key] = removeUnknownPath(value, rest);
        }
        return result;
    }
    const plain = isSecret(value) ? value.value : value;
    if (plain === UNKNOWN_VALUE) {
        delete result[key];
    }
    return result;
}

/** Returns the sorted top-level keys whose values differ between the two maps, secret wrappers included. */
export function changedKeys(olds: PropertyMap, news: PropertyMap): string[] {
    const keys = new Set([...Object.keys(olds), ...Object.keys(news)]);
    return [...keys].filter((key) => !isDeepStrictEqual(olds[key], news[key])).sort();
}

/**
 * Replaces each top-level `ignoreChanges` key of `news` with the old input value, as the engine does before
 * `Check`. Nested property paths are not supported.
 */
export function applyIgnoreChanges(
    news: PropertyMap,
    olds: PropertyMap,
    ignoreChanges: string[],
): PropertyMap {
    const result: PropertyMap = { ...news };
    for (const key of ignoreChanges) {
        if (key in olds) {
            result[key] = olds[key];
        } else {
            delete result[key];
        }
    }
    return result;
}

function mapValues(map: PropertyMap, transform: (value: PropertyValue) => PropertyValue): PropertyMap {
    const result: PropertyMap = {};
    for (const [key, value] of Object.entries(map)) {
        result[key] = transform(value);
    }
    return result;
}
