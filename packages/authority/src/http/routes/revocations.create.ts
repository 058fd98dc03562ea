import { type Static, Type } from "@sinclair/typebox";
import { StepUpSchema } from "../../stepup/schema.js";
import type { RouteModule } from "../route.js";
import { timeParam } from "../route.js";
import { adminErrors, ErrorResponse, Reason } from "../schemas.js";
import { ChangeReceiptFields, changeWithReceipt, WaitQuery } from "./receipts.schema.js";

const Body = Type.Object(
  {
    reason: Reason,
    selector: Type.Object(
      {
        principalId: Type.Optional(Type.String({ maxLength: 80 })),
        owner: Type.Optional(Type.String({ maxLength: 256 })),
        scope: Type.Optional(Type.String({ maxLength: 128 })),
        createdBefore: Type.Optional(Type.String({ format: "date-time" })),
        createdAfter: Type.Optional(Type.String({ format: "date-time" })),
        startsWith: Type.Optional(Type.String({ minLength: 5, maxLength: 64 })),
        ids: Type.Optional(Type.Array(Type.String({ maxLength: 80 }), { maxItems: 1000 })),
      },
      { additionalProperties: false },
    ),
    stepUp: Type.Optional(StepUpSchema),
  },
  { additionalProperties: false },
);

/** POST /v1/revocations: revoke every key a selector matches, in one transaction. */
export const revokeBySelectorRoute: RouteModule = (app, { authority }) => {
  app.post<{ Body: Static<typeof Body>; Querystring: Static<typeof WaitQuery> }>(
    "/v1/revocations",
    {
      config: { scopes: ["keys:revoke"] },
      schema: {
        summary: "Revoke by selector",
        description:
          "All criteria must match (AND). At least one is required. Answers with the count revoked and up to 1,000 of the ids. " +
          "A selection of more than TESSERA_STEPUP_SELECTOR_THRESHOLD keys needs `stepUp` (the caller's TOTP code and a " +
          "justification, both recorded): without it, step_up_required (403).",
        tags: ["keys"],
        security: [{ bearer: [] }],
        querystring: WaitQuery,
        body: Body,
        response: {
          200: Type.Object({
            revoked: Type.Integer(),
            ids: Type.Array(Type.String()),
            ...ChangeReceiptFields,
          }),
          ...adminErrors,
          429: ErrorResponse,
        },
      },
    },
    async (request) => {
      const { selector, reason, stepUp } = request.body;
      return changeWithReceipt(authority, request, (actor) =>
        authority.lifecycle.revokeBySelector(
          {
            ...(selector.principalId !== undefined ? { principalId: selector.principalId } : {}),
            ...(selector.owner !== undefined ? { owner: selector.owner } : {}),
            ...(selector.scope !== undefined ? { scope: selector.scope } : {}),
            ...(selector.createdBefore !== undefined ? { createdBefore: timeParam(selector.createdBefore) } : {}),
            ...(selector.createdAfter !== undefined ? { createdAfter: timeParam(selector.createdAfter) } : {}),
            ...(selector.startsWith !== undefined ? { startsWith: selector.startsWith } : {}),
            ...(selector.ids !== undefined ? { ids: selector.ids } : {}),
          },
          reason,
          actor,
          authority.stepUp.forSelectorRevocation(actor, stepUp),
        ),
      );
    },
  );
};
