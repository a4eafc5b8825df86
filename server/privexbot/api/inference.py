"""InferenceService: models, token-by-token completions, attestation."""

from __future__ import annotations

from privexbot.api.convert import pack
from privexbot.inference import gateway
from privexbot.inference.attestation import Verdict
from privexbot.kernel import pagination
from privexbot.kernel.calls import current
from privexbot.v1 import common_pb2, inference_pb2, inference_pb2_grpc

ROLES = {
    inference_pb2.ChatCompletionMessage.ROLE_SYSTEM: "system",
    inference_pb2.ChatCompletionMessage.ROLE_USER: "user",
    inference_pb2.ChatCompletionMessage.ROLE_ASSISTANT: "assistant",
}
FINISH = {
    "stop": inference_pb2.FINISH_REASON_STOP,
    "length": inference_pb2.FINISH_REASON_LENGTH,
    "content_filter": inference_pb2.FINISH_REASON_CONTENT_FILTER,
    "cancelled": inference_pb2.FINISH_REASON_CANCELLED,
}
STATES = {
    "ATTESTED": common_pb2.AttestationVerdict.STATE_ATTESTED,
    "UNATTESTED_DEVELOPMENT": common_pb2.AttestationVerdict.STATE_UNATTESTED_DEVELOPMENT,
    "FAILED": common_pb2.AttestationVerdict.STATE_FAILED,
}


def verdict_message(verdict: Verdict) -> common_pb2.AttestationVerdict:
    return pack(common_pb2.AttestationVerdict, verdict, state=STATES[verdict.state])


def usage_message(prompt_tokens: int, completion_tokens: int) -> inference_pb2.TokenUsage:
    return inference_pb2.TokenUsage(
        prompt_tokens=prompt_tokens,
        completion_tokens=completion_tokens,
        total_tokens=prompt_tokens + completion_tokens,
    )


def finish_reason(reason: str) -> int:
    return FINISH.get(reason, inference_pb2.FINISH_REASON_ERROR)


def event_message(event: gateway.Event) -> inference_pb2.ChatCompletionEvent:
    match event:
        case gateway.Delta(text=text):
            return inference_pb2.ChatCompletionEvent(
                delta=inference_pb2.ChatCompletionEvent.Delta(text=text)
            )
        case gateway.Usage(prompt_tokens=p, completion_tokens=c):
            return inference_pb2.ChatCompletionEvent(usage=usage_message(p, c))
        case gateway.Finish(reason=reason, model=model):
            return inference_pb2.ChatCompletionEvent(
                finish=inference_pb2.ChatCompletionEvent.Finish(
                    reason=finish_reason(reason), model=model
                )
            )
        case gateway.Attested(verdict=verdict):
            return inference_pb2.ChatCompletionEvent(attestation=verdict_message(verdict))
    raise TypeError(event)


class InferenceApi(inference_pb2_grpc.InferenceServiceServicer):
    def __init__(self, platform) -> None:
        self.gateway = platform.inference

    async def ListModels(self, request, context):
        models = await self.gateway.list_models()
        size = pagination.page_size(request.page_size)
        query = ("models",)
        after = pagination.decode(request.page_token, query)
        models = sorted((m for m in models if after is None or m.id > after), key=lambda m: m.id)
        page, token = pagination.page(models, size, lambda m: m.id, query)
        return inference_pb2.ListModelsResponse(
            models=[
                inference_pb2.Model(
                    id=m.id,
                    display_name=m.id,
                    owned_by=m.owned_by,
                    kind=inference_pb2.Model.KIND_EMBEDDING
                    if m.embedding
                    else inference_pb2.Model.KIND_CHAT,
                    default=m.id == self.gateway.default_model,
                )
                for m in page
            ],
            next_page_token=token,
        )

    async def StreamChatCompletion(self, request, context):
        messages = [gateway.Message(ROLES[m.role], m.content) for m in request.messages]
        params = gateway.Params(
            model=request.model,
            temperature=request.temperature if request.HasField("temperature") else None,
            top_p=request.top_p if request.HasField("top_p") else None,
            max_tokens=request.max_tokens if request.HasField("max_tokens") else None,
            seed=request.seed if request.HasField("seed") else None,
            stop=tuple(request.stop),
        )
        async for event in self.gateway.stream_chat(current().scope, messages, params):
            yield event_message(event)

    async def GetAttestation(self, request, context):
        verdict = await self.gateway.attestor.verdict()
        policy = self.gateway.attestor.policy
        return inference_pb2.Attestation(
            verdict=verdict_message(verdict),
            policy=inference_pb2.Attestation.POLICY_REQUIRED
            if policy.mode == "required"
            else inference_pb2.Attestation.POLICY_OFF,
            base_url=self.gateway.base_url,
        )
