/**
 * Returns a copy that holds only plain JSON: keys whose value is undefined are dropped, because the
 * dynamic-provider server cannot encode undefined and fails the whole call on it.
 */
export function plainJson<T>(value: T): T {
    return JSON.parse(JSON.stringify(value ?? null));
}

/**
 * Writes a warning the user sees in the Pulumi output. Inside the dynamic-provider process only
 * stderr reaches the user (stdout carries the server's port), so it goes there.
 */
export function warn(message: string): void {
    console.error(`warning: pulumi-wcn: ${message}`);
}

/** Returns the entries of `source` named in `keys` whose value is defined. */
export function pickDefined<T extends object>(source: T, keys: readonly (keyof T)[]): T {
    const result: Partial<T> = {};
    for (const key of keys) {
        if (source[key] !== undefined) {
            result[key] = source[key];
        }
    }
    return result as T;
}
