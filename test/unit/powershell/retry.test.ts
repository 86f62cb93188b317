import { expect } from "chai";
import * as sinon from "sinon";
import {
    backoffDelayMs,
    DEFAULT_RETRY_POLICY,
    isRetryable,
    retryTransient,
    RetryPolicy,
} from "../../../provider/powershell/retry";
import { RunnerError } from "../../../provider/powershell/runner";

const FAST_POLICY: RetryPolicy = {
    maxAttempts: 4,
    initialDelayMs: 100,
    maxDelayMs: 250,
    multiplier: 2,
    jitter: 0,
};

describe("retry", function () {
    let clock: sinon.SinonFakeTimers;

    beforeEach(function () {
        clock = sinon.useFakeTimers();
    });

    afterEach(function () {
        clock.restore();
    });

    describe("isRetryable", function () {
        it("accepts only transient runner errors", function () {
            expect(isRetryable(new RunnerError("transient", "reset"))).to.equal(true);
            for (const kind of ["configuration", "timeout", "aborted", "protocol"] as const) {
                expect(isRetryable(new RunnerError(kind, kind)), kind).to.equal(false);
            }
            expect(isRetryable(new Error("plain"))).to.equal(false);
            expect(isRetryable("transient")).to.equal(false);
        });

        it("rejects failures after the script may have run", function () {
            const afterStart = new RunnerError(
                "transient",
                "connection reset during receive",
                undefined,
                true,
            );
            expect(isRetryable(afterStart)).to.equal(false);
        });
    });

    describe("backoffDelayMs", function () {
        it("doubles up to the maximum", function () {
            const delays = [1, 2, 3, 4].map((attempt) => backoffDelayMs(FAST_POLICY, attempt));
            expect(delays).to.deep.equal([100, 200, 250, 250]);
        });

        it("randomizes the jitter share", function () {
            const policy: RetryPolicy = { ...FAST_POLICY, jitter: 0.5 };
            expect(backoffDelayMs(policy, 1, () => 0)).to.equal(50);
            expect(backoffDelayMs(policy, 1, () => 0.999)).to.equal(100);
        });

        it("keeps the default policy bounded", function () {
            const worst = [1, 2, 3, 4, 5, 6].map((attempt) =>
                backoffDelayMs(DEFAULT_RETRY_POLICY, attempt, () => 0.999),
            );
            expect(Math.max(...worst)).to.be.at.most(DEFAULT_RETRY_POLICY.maxDelayMs);
        });
    });

    describe("retryTransient", function () {
        it("retries transient errors with backoff", async function () {
            const operation = sinon.stub();
            operation.onCall(0).rejects(new RunnerError("transient", "reset 1"));
            operation.onCall(1).rejects(new RunnerError("transient", "reset 2"));
            operation.onCall(2).resolves("ok");
            const onRetry = sinon.spy();

            const result = retryTransient(operation, { policy: FAST_POLICY, onRetry });
            await clock.tickAsync(99);
            expect(operation.callCount).to.equal(1);
            await clock.tickAsync(1);
            expect(operation.callCount).to.equal(2);
            await clock.tickAsync(200);

            expect(await result).to.equal("ok");
            expect(operation.callCount).to.equal(3);
            expect(operation.args.map((args) => args[0])).to.deep.equal([1, 2, 3]);
            expect(onRetry.args.map((args) => [args[0], args[2]])).to.deep.equal([
                [1, 100],
                [2, 200],
            ]);
        });

        it("never retries configuration errors", async function () {
            const operation = sinon.stub().rejects(new RunnerError("configuration", "bad key"));
            const error = await retryTransient(operation, { policy: FAST_POLICY }).catch(
                (caught: unknown) => caught,
            );
            expect((error as RunnerError).kind).to.equal("configuration");
            expect(operation.callCount).to.equal(1);
        });

        it("does not retry timeouts or plain errors", async function () {
            for (const failure of [new RunnerError("timeout", "slow"), new TypeError("bug")]) {
                const operation = sinon.stub().rejects(failure);
                const error = await retryTransient(operation, { policy: FAST_POLICY }).catch(
                    (caught: unknown) => caught,
                );
                expect(error).to.equal(failure);
                expect(operation.callCount).to.equal(1);
            }
        });

        it("stops after maxAttempts with the last error", async function () {
            const operation = sinon.stub();
            for (let call = 0; call < 4; call++) {
                operation.onCall(call).rejects(new RunnerError("transient", `reset ${call + 1}`));
            }
            const result = retryTransient(operation, { policy: FAST_POLICY }).catch(
                (caught: unknown) => caught,
            );
            await clock.tickAsync(10_000);
            const error = (await result) as RunnerError;
            expect(error.message).to.equal("reset 4");
            expect(operation.callCount).to.equal(4);
        });

        it("rejects as aborted during the wait", async function () {
            const controller = new AbortController();
            const operation = sinon.stub().rejects(new RunnerError("transient", "reset"));
            const result = retryTransient(operation, {
                policy: FAST_POLICY,
                signal: controller.signal,
            }).catch((caught: unknown) => caught);
            await clock.tickAsync(50);
            controller.abort();
            const error = (await result) as RunnerError;
            expect(error.kind).to.equal("aborted");
            expect(operation.callCount).to.equal(1);
        });
    });
});
