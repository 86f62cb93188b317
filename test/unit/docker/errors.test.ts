import { expect } from "chai";
import {
    classifyHnsMessage,
    EngineError,
    EngineErrorKind,
    fromDockerError,
} from "../../../provider/docker/errors";
import { readFixture } from "../model/windowsFixtures";

const CONTEXT = { host: "web-01", operation: 'create network "app-lan"' };

/** Builds an API error the way dockerode (docker-modem) does. */
function apiError(
    statusCode: number,
    message: string,
    json: unknown = { message },
    reason = "server error",
): Error {
    return Object.assign(new Error(`(HTTP code ${statusCode}) ${reason} - ${message} `), {
        statusCode,
        reason,
        json,
    });
}

/** Builds a transport error the way Node's http module raises it, without statusCode. */
function transportError(message: string, code?: string): Error {
    return Object.assign(new Error(message), code === undefined ? {} : { code });
}

interface HnsCase {
    name: string;
    /** The fixture the text was taken from, for the check that it is real. */
    fixture?: string;
    text: string;
    kind: EngineErrorKind;
    code?: string;
    /** Parts of the message users rely on. */
    message: RegExp[];
}

const PARAMETER_HINT = /HNS rejected a parameter/;
const PORT_HINT = /host port is already in use/;
const EXISTS_HINT = /already exists\. Re-read the host's networks/;

const HNS_CASES: HnsCase[] = [
    {
        name: "C14 second nat network: unspecified error",
        fixture: "C14",
        text: "HNS failed with error : Unspecified error",
        kind: "host-networking",
        message: [/"HNS failed with error : Unspecified error"/, /HNS gives no reason/, /second nat network/],
    },
    {
        name: "C23 endpoint unspecified error mentions ports",
        fixture: "C23",
        text: "failed to create endpoint determined_curran on network nat: HNS failed with error : Unspecified error.",
        kind: "host-networking",
        message: [/published host port is taken/],
    },
    {
        name: "C18 host vNIC adapter: parameter incorrect 0x57",
        fixture: "C18",
        text: "hnsCall failed in Win32: The parameter is incorrect. (0x57)",
        kind: "host-networking",
        code: "0x57",
        message: [/\(0x57\)/, PARAMETER_HINT, /host vNIC/],
    },
    {
        name: "C20 raw-response wrapper of 0x57",
        fixture: "C20",
        text: "failed during hnsCallRawResponse: hnsCall failed in Win32: The parameter is incorrect. (0x57)",
        kind: "host-networking",
        code: "0x57",
        message: [PARAMETER_HINT, /Wi-Fi/],
    },
    {
        name: "C07 older wording with capital P",
        fixture: "C07",
        text: "HNS failed with error : The Parameter is incorrect.",
        kind: "host-networking",
        code: "0x57",
        message: [/The Parameter is incorrect\./, PARAMETER_HINT],
    },
    {
        name: "C20 older wording",
        fixture: "C20",
        text: "HNS failed with error : The parameter is incorrect.",
        kind: "host-networking",
        code: "0x57",
        message: [PARAMETER_HINT],
    },
    {
        name: "C22 port in use with code",
        fixture: "C22",
        text:
            "failed to create endpoint X on network nat: failed during hnsCallRawResponse: hnsCall failed in Win32: " +
            "The process cannot access the file because it is being used by another process. (0x20).",
        kind: "host-networking",
        code: "0x20",
        message: [PORT_HINT, /Get-NetTCPConnection -State Listen/],
    },
    {
        name: "C22 port in use in Portuguese",
        fixture: "C22",
        text: "failed to create endpoint RestMongo on network nat: hnsCall failed in Win32: O arquivo já está sendo usado por outro processo. (0x20).",
        kind: "host-networking",
        code: "0x20",
        message: [/O arquivo já está sendo usado por outro processo/, PORT_HINT],
    },
    {
        name: "C22 port in use without code",
        fixture: "C22",
        text:
            "failed to create endpoint meazureweb_meazure-web_1 on network nat: HNS failed with error : " +
            "The process cannot access the file because it is being used by another process.",
        kind: "host-networking",
        code: "0x20",
        message: [PORT_HINT],
    },
    {
        name: "C22 port in use paraphrased",
        fixture: "C22",
        text: "failed to create endpoint XXXX on network nat: HNS failed with error : The file as been used by another process",
        kind: "host-networking",
        code: "0x20",
        message: [PORT_HINT],
    },
    {
        name: "C12 object already exists",
        fixture: "C12b",
        text: "HNS failed with error : The object already exists.",
        kind: "conflict",
        message: [/The object already exists/, EXISTS_HINT, /adopt or remove the conflicting object/],
    },
    {
        name: "C13 object already exists",
        fixture: "C13",
        text: "HNS failed with error : The object already exists.",
        kind: "conflict",
        message: [EXISTS_HINT],
    },
    {
        name: "C26 object already exists after delete",
        fixture: "C26",
        text: "Windows Server HNS failed with error : The object already exists.",
        kind: "conflict",
        message: [EXISTS_HINT, /right after a delete, wait and retry/],
    },
    {
        name: "C17 duplicate name",
        fixture: "C17",
        text: "You were not connected because a duplicate name exists on the network.",
        kind: "conflict",
        message: [/duplicate name/, EXISTS_HINT],
    },
    {
        name: "C25 network name exists",
        text: "hnsCall failed in Win32: A network with this name already exists.",
        kind: "conflict",
        message: [/A network with this name already exists/, EXISTS_HINT],
    },
    {
        name: "C42 default network creation failure",
        fixture: "C42",
        text: "Error initializing network controller: Error creating default network: HNS failed with error : Failed to create network",
        kind: "host-networking",
        message: [/"Error initializing network controller: .*Failed to create network"/],
    },
    {
        name: "C42 endpoint creation failure",
        fixture: "C42",
        text: "failed to create endpoint xyzon network nat: HNS failed with error : Failed to create endpoint",
        kind: "host-networking",
        message: [/Failed to create endpoint/],
    },
    {
        name: "raw HNS body with an HRESULT for 0x57",
        text: '{"Error":"The parameter is incorrect. ","ErrorCode":2147942487,"Success":false}',
        kind: "host-networking",
        code: "0x80070057",
        message: [PARAMETER_HINT],
    },
    {
        name: "raw HNS body with an HRESULT for already exists",
        text: '{"Error":"Cannot create a file when that file already exists. ","ErrorCode":2147942583,"Success":false}',
        kind: "conflict",
        code: "0x800700b7",
        message: [/HNS reports that the object already exists/],
    },
    {
        name: "element not found HRESULT",
        text: "hnsCall failed in Win32: Element not found. (0x80070490)",
        kind: "host-networking",
        code: "0x80070490",
        message: [/could not find an element/],
    },
    {
        name: "RPC failure",
        text: "hnsCall failed in Win32: The remote procedure call failed. (0x6be)",
        kind: "host-networking",
        code: "0x6be",
        message: [/retry once it is running/],
    },
];

describe("fromDockerError", () => {
    describe("classifies HNS failures", () => {
        for (const hns of HNS_CASES) {
            it(hns.name, () => {
                if (hns.fixture !== undefined) {
                    expect(readFixture(hns.fixture), `text posted in ${hns.fixture}`).to.include(hns.text);
                }
                const error = fromDockerError(apiError(500, hns.text), CONTEXT);
                expect(error.kind).to.equal(hns.kind);
                expect(error.code).to.equal(hns.code);
                expect(error.statusCode).to.equal(500);
                expect(error.engineMessage).to.equal(hns.text.trim());
                for (const pattern of hns.message) {
                    expect(error.message).to.match(pattern);
                }
            });
        }

        it("matches the hex code in any case", () => {
            expect(classifyHnsMessage("hnsCall failed in Win32: x (0X57)")?.code).to.equal("0x57");
        });

        it("leaves other messages alone", () => {
            expect(classifyHnsMessage("network with name app already exists")).to.equal(undefined);
        });
    });

    describe("classifies by HTTP status", () => {
        const CASES: [string, number, string, EngineErrorKind, RegExp[]][] = [
            [
                "404 network not found",
                404,
                "network app-lan not found",
                "not-found",
                [/not found \(network app-lan not found\)/],
            ],
            [
                "409 duplicate name",
                409,
                "network with name app-lan already exists",
                "conflict",
                [/it already exists/, /app-lan/],
            ],
            [
                "403 active endpoints",
                403,
                "error while removing network: network app-lan id 5a169a0de37a has active endpoints",
                "in-use",
                [/containers are still attached/, /active endpoints/],
            ],
            [
                "403 predefined network",
                403,
                "operation is not permitted on predefined nat network ",
                "rejected",
                [/rejected by the engine/, /predefined nat network/],
            ],
            [
                "400 invalid subnet",
                400,
                "Invalid subnet 10.0.0.0/33 : invalid CIDR address: 10.0.0.0/33",
                "rejected",
                [/rejected by the engine as invalid/, /10\.0\.0\.0\/33/],
            ],
            [
                "500 without HNS text",
                500,
                "This request is not supported by null ipam driver",
                "engine",
                [/failed with HTTP 500/, /null ipam driver/],
            ],
        ];
        for (const [name, status, text, kind, patterns] of CASES) {
            it(name, () => {
                const error = fromDockerError(apiError(status, text), CONTEXT);
                expect(error.kind).to.equal(kind);
                expect(error.statusCode).to.equal(status);
                for (const pattern of patterns) {
                    expect(error.message).to.match(pattern);
                }
            });
        }
    });

    describe("explains a missing network driver", () => {
        const CASES: [string, string, RegExp][] = [
            ["C30 transparent", 'plugin "transparent" not found', /no network driver "transparent"/],
            ["C30 nat", 'plugin "nat" not found', /no network driver "nat"/],
            ["C30 unnamed", "plugin not found", /no network driver of that name/],
        ];
        for (const [name, text, driver] of CASES) {
            it(name, () => {
                expect(readFixture("C30")).to.include(text);
                const error = fromDockerError(
                    apiError(404, text, { message: text }, "no such network"),
                    CONTEXT,
                );
                expect(error.kind).to.equal("rejected");
                expect(error.statusCode).to.equal(404);
                expect(error.message).to.match(driver);
                expect(error.message).to.match(/switch to Windows containers/);
                expect(error.message).to.match(/host\.docker\.url/);
            });
        }
    });

    describe("reads the engine message from every body shape", () => {
        const TEXT = "hnsCall failed in Win32: The parameter is incorrect. (0x57)";

        it("json object", () => {
            expect(fromDockerError(apiError(500, TEXT), CONTEXT).engineMessage).to.equal(TEXT);
        });

        it("json Buffer", () => {
            const error = fromDockerError(apiError(500, TEXT, Buffer.from(`${TEXT}\n`)), CONTEXT);
            expect(error.engineMessage).to.equal(TEXT);
            expect(error.code).to.equal("0x57");
        });

        it("json null", () => {
            const error = fromDockerError(apiError(500, TEXT, null), CONTEXT);
            expect(error.engineMessage).to.equal(TEXT);
            expect(error.code).to.equal("0x57");
        });

        it("json null with the unexpected reason", () => {
            const error = fromDockerError(
                apiError(409, "network with name app already exists", null, "unexpected"),
                CONTEXT,
            );
            expect(error.engineMessage).to.equal("network with name app already exists");
            expect(error.kind).to.equal("conflict");
        });

        it("json without message", () => {
            const error = fromDockerError(apiError(500, TEXT, { error: "other" }), CONTEXT);
            expect(error.engineMessage).to.equal(TEXT);
        });
    });

    describe("classifies transport errors", () => {
        const CASES: [string, Error, EngineErrorKind, RegExp][] = [
            [
                "connection refused",
                transportError("connect ECONNREFUSED 10.0.0.5:2376", "ECONNREFUSED"),
                "unreachable",
                /unreachable \(ECONNREFUSED\)/,
            ],
            [
                "no socket file",
                transportError("connect ENOENT /var/run/docker.sock", "ENOENT"),
                "unreachable",
                /unreachable \(ENOENT\)/,
            ],
            [
                "unknown host",
                transportError("getaddrinfo ENOTFOUND web-01", "ENOTFOUND"),
                "unreachable",
                /unreachable/,
            ],
            ["socket hang up", transportError("socket hang up", "ECONNRESET"), "unreachable", /unreachable/],
            [
                "socket hang up without code",
                transportError("socket hang up"),
                "unreachable",
                /unreachable \(socket hang up\)/,
            ],
            [
                "connect error without code",
                transportError("connect EHOSTDOWN 10.0.0.5:2376"),
                "unreachable",
                /unreachable/,
            ],
            [
                "connection timed out",
                transportError("connect ETIMEDOUT 10.0.0.5:2376", "ETIMEDOUT"),
                "timeout",
                /timed out/,
            ],
            [
                "engine call time limit",
                transportError("no answer within 15000 ms", "ETIMEDOUT"),
                "timeout",
                /timed out \(no answer within 15000 ms\)/,
            ],
            ["timeout text without code", transportError("Request timed out"), "timeout", /timed out/],
            [
                "programming error",
                new TypeError("network.disconnect is not a function"),
                "engine",
                /failed: network\.disconnect is not a function/,
            ],
        ];
        for (const [name, cause, kind, pattern] of CASES) {
            it(name, () => {
                const error = fromDockerError(cause, CONTEXT);
                expect(error.kind).to.equal(kind);
                expect(error.statusCode).to.equal(undefined);
                expect(error.message).to.match(pattern);
            });
        }

        it("unreachable names the fix", () => {
            const error = fromDockerError(
                transportError("connect ECONNREFUSED 10.0.0.5:2376", "ECONNREFUSED"),
                CONTEXT,
            );
            expect(error.message).to.match(/docker service runs/);
            expect(error.message).to.match(/host\.docker\.url/);
        });

        it("timeout names the fix", () => {
            const error = fromDockerError(
                transportError("connect ETIMEDOUT 10.0.0.5:2376", "ETIMEDOUT"),
                CONTEXT,
            );
            expect(error.message).to.match(/host\.docker\.timeoutMs/);
        });

        it("a thrown string", () => {
            expect(fromDockerError("boom", CONTEXT).message).to.match(/failed: boom/);
        });
    });

    describe("names the host and the operation", () => {
        const CAUSES: [string, unknown][] = [
            ["HNS failure", apiError(500, "HNS failed with error : Unspecified error")],
            ["HTTP status", apiError(409, "network with name app-lan already exists")],
            ["missing driver", apiError(404, 'plugin "nat" not found')],
            ["transport", transportError("connect ECONNREFUSED 10.0.0.5:2376", "ECONNREFUSED")],
            ["timeout", transportError("no answer within 100 ms", "ETIMEDOUT")],
        ];
        for (const [name, cause] of CAUSES) {
            it(name, () => {
                expect(fromDockerError(cause, CONTEXT).message).to.match(
                    /^create network "app-lan" on host web-01 /,
                );
            });
        }
    });

    it("returns an EngineError unchanged", () => {
        const original = new EngineError("in-use", "attached");
        expect(fromDockerError(original, CONTEXT)).to.equal(original);
    });
});

describe("EngineError", () => {
    it("isInstance recognizes an EngineError", () => {
        expect(EngineError.isInstance(new EngineError("conflict", "x"))).to.equal(true);
    });

    it("isInstance rejects other errors", () => {
        expect(EngineError.isInstance(Object.assign(new Error("x"), { kind: "conflict" }))).to.equal(false);
    });

    it("isInstance rejects null", () => {
        expect(EngineError.isInstance(null)).to.equal(false);
    });

    it("is checks the kind", () => {
        const error = new EngineError("not-found", "gone");
        expect(EngineError.is(error, "not-found")).to.equal(true);
        expect(EngineError.is(error, "conflict")).to.equal(false);
    });

    it("isInstance works across copies of the module", () => {
        const modulePath = require.resolve("../../../provider/docker/errors");
        const original = require.cache[modulePath];
        delete require.cache[modulePath];
        let copy: typeof import("../../../provider/docker/errors");
        try {
            copy = require(modulePath);
        } finally {
            require.cache[modulePath] = original;
        }
        const fromCopy = new copy.EngineError("conflict", "x");
        expect(copy.EngineError).to.not.equal(EngineError);
        expect(fromCopy instanceof EngineError).to.equal(false);
        expect(EngineError.isInstance(fromCopy)).to.equal(true);
        expect(copy.EngineError.isInstance(new EngineError("conflict", "y"))).to.equal(true);
    });
});
