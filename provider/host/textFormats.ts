/**
 * Readers for the console text that PowerShell prints (Format-List, Format-Table, error records,
 * `ipconfig`), for diagnostics and for tests only. The provider itself reads host state as JSON:
 * Format-List prints nested data as `@{...}` or `System.Object[]`, and the console wraps long lines
 * in the middle of tokens, so facts taken from this text could be silently wrong.
 */
import type { PowerShellErrorEnvelope } from "../powershell/classify";

/** The message of {@link FormattedTextError}, which callers and tests match on. */
export const FORMATTED_TEXT_MESSAGE =
    "cannot read nested HNS data from formatted text; request JSON (ConvertTo-Json -Depth 10 -Compress)";

/** Host output that is console text, or JSON cut short, where the provider needs complete JSON. */
export class FormattedTextError extends Error {
    constructor(
        /** Subject the text was read for, for example `HNS networks`. */
        readonly subject: string,
        /** Reason the text was rejected. */
        readonly reason: string,
    ) {
        super(`${subject}: ${FORMATTED_TEXT_MESSAGE}. ${reason}`);
        this.name = "FormattedTextError";
    }
}

/** Kind of text a host printed. */
export type TextFormat =
    | "empty"
    | "json"
    | "format-list"
    | "format-table"
    /** Starts like JSON but does not parse, for example JSON wrapped or cut off by the console. */
    | "broken-json"
    /** Console text with JSON inside, such as a `-Verbose` log line that contains an HNS response. */
    | "console-json"
    | "unknown";

/** Markers of nested data that Format-List or a shallow ConvertTo-Json flattened into text. */
const FLATTENED_MARKERS = /@\{|System\.Object\[\]|System\.Collections\./;

/** Detects the kind of text a host printed. */
export function detectTextFormat(text: string): TextFormat {
    const trimmed = text.trim();
    if (trimmed === "") {
        return "empty";
    }
    if (/^[[{]/.test(trimmed)) {
        return tryParseJson(trimmed) === undefined ? "broken-json" : "json";
    }
    if (findTableHeaders(trimmed.split(/\r?\n/)).length > 0) {
        return "format-table";
    }
    if (/\{"\w+"\s*:/.test(trimmed)) {
        return "console-json";
    }
    if (/^\w+\s*: /m.test(trimmed)) {
        return "format-list";
    }
    return "unknown";
}

/**
 * Parses host output that must be JSON. Empty output is `undefined`, which is how Windows
 * PowerShell 5.1 prints `$null | ConvertTo-Json`. Throws {@link FormattedTextError} for console
 * text (Format-List, a table, a verbose log with wrapped JSON) and for JSON whose nested values a
 * too-small `-Depth` turned into `System.Object[]` or `@{...}` strings.
 */
export function parseHostJson(text: string, subject: string): unknown {
    const format = detectTextFormat(text);
    if (format === "empty") {
        return undefined;
    }
    if (format !== "json") {
        throw new FormattedTextError(subject, describeRejection(format));
    }
    const value = tryParseJson(text.trim());
    if (containsFlattenedValue(value)) {
        throw new FormattedTextError(
            subject,
            "The JSON contains System.Object[] or @{...} strings, so ConvertTo-Json ran with too small a -Depth",
        );
    }
    return value;
}

function describeRejection(format: TextFormat): string {
    switch (format) {
        case "format-list":
            return "The output is Format-List text, which prints nested objects as @{...} and lists as System.Object[]";
        case "format-table":
            return "The output is a Format-Table table, which drops properties and truncates values";
        case "broken-json":
            return "The output starts like JSON but does not parse; the console may have wrapped or cut it off";
        case "console-json":
            return "The output is console text with JSON inside, which the console may have wrapped mid-token";
        default:
            return "The output is console text, not JSON; it may hold JSON that the console wrapped mid-token";
    }
}

function tryParseJson(text: string): unknown {
    try {
        return JSON.parse(text.replace(/^\uFEFF/, "")) as unknown;
    } catch {
        return undefined;
    }
}

function containsFlattenedValue(value: unknown): boolean {
    if (typeof value === "string") {
        return FLATTENED_MARKERS.test(value);
    }
    if (Array.isArray(value)) {
        return value.some(containsFlattenedValue);
    }
    if (typeof value === "object" && value !== null) {
        return Object.values(value).some(containsFlattenedValue);
    }
    return false;
}

/** One Format-List record: property names and their text values, in output order. */
export type FormatListRecord = Record<string, string>;

/**
 * Parses Format-List text into records. A record ends at a blank line or where a property name
 * repeats. Indented lines continue the previous value and are joined with one space, which is
 * right where the console wrapped at a space and wrong where it wrapped inside a word. Lines
 * that are neither (prompts, commands) are skipped.
 */
export function parseFormatList(text: string): FormatListRecord[] {
    const records: FormatListRecord[] = [];
    let current: FormatListRecord = {};
    let lastKey: string | undefined;
    const finish = (): void => {
        if (Object.keys(current).length > 0) {
            records.push(current);
        }
        current = {};
        lastKey = undefined;
    };
    for (const line of text.split(/\r?\n/)) {
        const property = /^(\w+)\s*:(?: (.*))?$/.exec(line);
        if (line.trim() === "") {
            finish();
        } else if (property) {
            if (property[1] in current) {
                finish();
            }
            lastKey = property[1];
            current[lastKey] = (property[2] ?? "").trim();
        } else if (lastKey !== undefined && /^\s+\S/.test(line)) {
            current[lastKey] = `${current[lastKey]} ${line.trim()}`.trim();
        } else {
            lastKey = undefined;
        }
    }
    finish();
    return records;
}

/** One row of a Format-Table table. */
export interface FormatTableRow {
    /** Cell text by column name, trimmed. */
    cells: Record<string, string>;
    /**
     * True when the row does not fit the columns under the dash line: a cell neither starts at its
     * column nor ends at the column's right edge, or text runs across a column boundary. Such a row
     * was pasted with broken alignment, and its cells must not be trusted.
     */
    misaligned: boolean;
    /** The row as printed. */
    line: string;
}

/** A Format-Table table: its column names and rows. */
export interface FormatTable {
    columns: string[];
    rows: FormatTableRow[];
}

interface Column {
    name: string;
    start: number;
    /** Index one past the column's dashes. */
    end: number;
}

/**
 * Parses every Format-Table table in the text. A table is a header line followed by a line of
 * dash runs. The dash runs give the column positions, and rows follow until a blank line.
 */
export function parseFormatTables(text: string): FormatTable[] {
    const lines = text.split(/\r?\n/);
    return findTableHeaders(lines).map((headerIndex) => {
        const columns = readColumns(lines[headerIndex], lines[headerIndex + 1]);
        const rows: FormatTableRow[] = [];
        for (let index = headerIndex + 2; index < lines.length && lines[index].trim() !== ""; index++) {
            rows.push(readRow(lines[index], columns));
        }
        return { columns: columns.map((column) => column.name), rows };
    });
}

function findTableHeaders(lines: string[]): number[] {
    const headers: number[] = [];
    for (let index = 0; index + 1 < lines.length; index++) {
        if (lines[index].trim() !== "" && /^\s*-+( +-+)*\s*$/.test(lines[index + 1])) {
            headers.push(index);
        }
    }
    return headers;
}

function readColumns(header: string, dashes: string): Column[] {
    const columns: Column[] = [];
    const runs = /-+/g;
    for (let run = runs.exec(dashes); run !== null; run = runs.exec(dashes)) {
        columns.push({ name: "", start: run.index, end: run.index + run[0].length });
    }
    columns.forEach((column, index) => {
        const next = columns[index + 1];
        column.name = header.slice(column.start, next ? next.start : undefined).trim();
    });
    return columns;
}

function readRow(line: string, columns: Column[]): FormatTableRow {
    const cells: Record<string, string> = {};
    let misaligned = false;
    columns.forEach((column, index) => {
        const next = columns[index + 1];
        const raw = line.slice(column.start, next ? next.start : undefined);
        const cell = raw.trim();
        cells[column.name] = cell;
        if (cell === "") {
            return;
        }
        const startsAtColumn = raw[0] !== " ";
        const endsAtEdge = raw.trimEnd().length === column.end - column.start;
        const cutsPrevious =
            column.start > 0 && line[column.start - 1] !== undefined && line[column.start - 1] !== " ";
        if ((!startsAtColumn && !endsAtEdge) || cutsPrevious) {
            misaligned = true;
        }
    });
    return { cells, misaligned, line };
}

/** A PowerShell error record read from console text, with the cmdlet and target it names. */
export interface ParsedErrorRecord extends PowerShellErrorEnvelope {
    /** The cmdlet before ` : ` on the first line, for example `New-NetNat`. */
    command: string;
    /** The target in the CategoryInfo line, for example `MSFT_NetNat:root/StandardCimv2/MSFT_NetNat`. */
    target?: string;
}

const RECORD_START = /(?:^|\s)([A-Za-z]+-[A-Za-z][A-Za-z0-9]*) : (.*)$/;
const CATEGORY_INFO = /^\s*\+\s*CategoryInfo\s*: (\w+): \((.*)\) \[[^\]]*\], (\w+)/;
const ERROR_ID = /^\s*\+\s*FullyQualifiedErrorId\s*: (.*)$/;

/**
 * Reads PowerShell error records as the console prints them: `Cmdlet : message`, more message
 * lines, `At ...`, and the `+ CategoryInfo` and `+ FullyQualifiedErrorId` lines. Records whose
 * text was cut off keep what was printed. The console text carries no HRESULT, so `hresult` and
 * `win32Code` stay unset; a code printed inside the message is found by the classifier.
 */
export function parseErrorRecords(text: string): ParsedErrorRecord[] {
    const records: ParsedErrorRecord[] = [];
    let current: ParsedErrorRecord | undefined;
    let inMessage = false;
    for (const line of text.split(/\r?\n/)) {
        const start = /^\s*\+/.test(line) ? null : RECORD_START.exec(line);
        const category = CATEGORY_INFO.exec(line);
        const errorId = ERROR_ID.exec(line);
        if (start && !/^At /.test(line)) {
            current = { command: start[1], message: start[2].trim() };
            records.push(current);
            inMessage = true;
        } else if (current && category) {
            current.category = category[1];
            current.target = category[2];
            current.exceptionType = category[3];
        } else if (current && errorId) {
            current.fullyQualifiedErrorId = errorId[1].trim();
        } else if (line.trim() === "" || /^At /.test(line) || /^\s*\+/.test(line)) {
            inMessage = false;
        } else if (current && inMessage) {
            current.message = `${current.message}\n${line.trim()}`;
        }
    }
    return records;
}

/** One adapter section of `ipconfig` output. */
export interface IpconfigAdapter {
    /** The adapter name after "adapter", for example `vEthernet (Ethernet)`. */
    name: string;
    /** Field labels (dots removed) and values, for example `IPv4 Address` → `192.168.1.186`. */
    fields: Record<string, string>;
}

/**
 * Parses English `ipconfig` output into adapter sections, for checking which address a container
 * really has. Labels are localized on other display languages; such output yields sections with
 * other field names.
 */
export function parseIpconfig(text: string): IpconfigAdapter[] {
    const adapters: IpconfigAdapter[] = [];
    let current: IpconfigAdapter | undefined;
    for (const line of text.split(/\r?\n/)) {
        const header = /^(\S.*?) adapter (.+):\s*$/.exec(line);
        const field = /^\s+([^.:]+?)[ .]*: ?(.*)$/.exec(line);
        if (header) {
            current = { name: header[2], fields: {} };
            adapters.push(current);
        } else if (current && field) {
            current.fields[field[1].trim()] = field[2].replace(/\(Preferred\)\s*$/, "").trim();
        }
    }
    return adapters;
}

/*
 * Readers for the JSON layouts of Windows PowerShell 5.1 and PowerShell 7. The same script can
 * print a list as an array, as one object (a single item that was not kept in an array) or as
 * nothing. On 5.1 it can also print `{"value": [...], "Count": n}`, when an array passes through a
 * pipeline with its extended properties. Enums print as numbers unless the script projected them to
 * strings, and null and a missing key both mean "no value".
 */

/** A JSON object as the host printed it. */
export type JsonObject = Record<string, unknown>;

export function isJsonObject(value: unknown): value is JsonObject {
    return typeof value === "object" && value !== null && !Array.isArray(value);
}

/**
 * Returns the value of the first of `names` present in `record`, matching key names
 * case-insensitively because HNS generations differ in case (`ID`, `Id`). Returns undefined when
 * `record` is not an object or has none of the names.
 */
export function readField(record: unknown, ...names: string[]): unknown {
    if (!isJsonObject(record)) {
        return undefined;
    }
    const keys = Object.keys(record);
    for (const name of names) {
        const key = keys.find(
            (candidate) =>
                candidate.toLowerCase() === name.toLowerCase() &&
                record[candidate] !== null &&
                record[candidate] !== undefined,
        );
        if (key !== undefined) {
            return record[key];
        }
    }
    return undefined;
}

/**
 * Reads a value that should be a list: an array, the 5.1 `{value, Count}` wrapper, one item,
 * or nothing (`null`, missing, empty string, or the `{}` that Format-Table prints for an empty
 * list). Throws {@link FormattedTextError} for other text in place of a list, such as
 * `System.Object[]` or `{a, b}`, because its items cannot be recovered.
 */
export function readList(value: unknown, subject = "list"): unknown[] {
    if (value === null || value === undefined) {
        return [];
    }
    if (Array.isArray(value)) {
        return value;
    }
    if (isCountWrapper(value)) {
        return readList(readField(value, "value"), subject);
    }
    if (typeof value === "string") {
        const trimmed = value.trim();
        if (trimmed === "" || trimmed === "{}") {
            return [];
        }
        if (FLATTENED_MARKERS.test(trimmed) || /^\{.*\}$/s.test(trimmed)) {
            throw new FormattedTextError(subject, `The value "${trimmed}" is a list printed as text`);
        }
    }
    return [value];
}

function isCountWrapper(value: unknown): boolean {
    if (!isJsonObject(value)) {
        return false;
    }
    const keys = Object.keys(value).map((key) => key.toLowerCase());
    return keys.length === 2 && keys.includes("value") && keys.includes("count");
}

/** Reads a string; a number becomes its decimal text. Empty text and other types are undefined. */
export function readString(value: unknown): string | undefined {
    if (typeof value === "number" && Number.isFinite(value)) {
        return String(value);
    }
    if (typeof value !== "string") {
        return undefined;
    }
    const trimmed = value.trim();
    return trimmed === "" ? undefined : trimmed;
}

/** Reads a number, also from decimal text. */
export function readNumber(value: unknown): number | undefined {
    if (typeof value === "number" && Number.isFinite(value)) {
        return value;
    }
    if (typeof value === "string" && /^\s*-?\d+(\.\d+)?\s*$/.test(value)) {
        return Number(value);
    }
    return undefined;
}

/** Reads a boolean, also from the `True`/`False` text of Format-List and from 1 or 0. */
export function readBoolean(value: unknown): boolean | undefined {
    if (typeof value === "boolean") {
        return value;
    }
    if (typeof value === "string" && /^\s*(true|false)\s*$/i.test(value)) {
        return value.trim().toLowerCase() === "true";
    }
    if (value === 1 || value === 0) {
        return value === 1;
    }
    return undefined;
}

/**
 * Reads an enum that should be text but may arrive as its number: `names[n]` is the name of
 * value n. Text is returned as printed; an unknown number is returned as its decimal text.
 */
export function readEnumName(value: unknown, names: readonly string[]): string | undefined {
    const number = typeof value === "number" ? value : undefined;
    if (number !== undefined) {
        return names[number] ?? String(number);
    }
    const text = readString(value);
    if (text !== undefined && /^\d+$/.test(text)) {
        return names[Number(text)] ?? text;
    }
    return text;
}

/** Normalizes a GUID to lower case without braces; undefined when the text is not a GUID. */
export function normalizeGuid(value: unknown): string | undefined {
    const text = readString(value)
        ?.replace(/^\{(.*)\}$/, "$1")
        .toLowerCase();
    return text !== undefined && /^[0-9a-f]{8}(-[0-9a-f]{4}){3}-[0-9a-f]{12}$/.test(text) ? text : undefined;
}

/** Normalizes a MAC address to the Windows form `00-15-5D-A1-63-26`; undefined when it is not one. */
export function normalizeMac(value: unknown): string | undefined {
    const hex = readString(value)?.replace(/[-:.]/g, "").toUpperCase();
    return hex !== undefined && /^[0-9A-F]{12}$/.test(hex)
        ? (hex.match(/../g) as string[]).join("-")
        : undefined;
}
