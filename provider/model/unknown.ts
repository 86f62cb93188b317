/**
 * The value the Pulumi engine sends in place of an input that is not known yet during preview
 * (an output of a resource that has not been created). Check and diff must accept it as "unknown".
 */
export const UNKNOWN_VALUE = "04da6b54-80e4-46f7-96ec-b56ff0331ba9";

/** True when the value, or any value nested inside it, is the engine's unknown marker. */
export function containsUnknown(value: unknown): boolean {
    if (value === UNKNOWN_VALUE) {
        return true;
    }
    if (Array.isArray(value)) {
        return value.some(containsUnknown);
    }
    if (value !== null && typeof value === "object") {
        return Object.values(value).some(containsUnknown);
    }
    return false;
}
