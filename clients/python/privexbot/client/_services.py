"""The services of privexbot.v1 as Python methods, documented by the protos' comments.

Generated from protos/ by scripts/python_sdk.py (make proto); do not edit.
"""

from __future__ import annotations

from privexbot.client._rpc import Kind, Rpc, Service
from privexbot.v1 import (
    auth_pb2,
    auth_pb2_grpc,
    bot_pb2,
    bot_pb2_grpc,
    flow_pb2,
    flow_pb2_grpc,
    inference_pb2,
    inference_pb2_grpc,
    knowledge_pb2,
    knowledge_pb2_grpc,
    tenant_pb2,
    tenant_pb2_grpc,
)


class AuthService(Service):
    """Sign-in (email and wallets), tokens, linked identities and API keys."""

    stub_class = auth_pb2_grpc.AuthServiceStub
    rpcs = {
        "SignUpWithEmail": Rpc(Kind.UNARY, auth_pb2.SignUpWithEmailRequest),
        "LogInWithEmail": Rpc(Kind.UNARY, auth_pb2.LogInWithEmailRequest),
        "ChangePassword": Rpc(Kind.UNARY, auth_pb2.ChangePasswordRequest),
        "SendEmailVerification": Rpc(Kind.UNARY, auth_pb2.SendEmailVerificationRequest),
        "VerifyEmail": Rpc(Kind.UNARY, auth_pb2.VerifyEmailRequest),
        "RequestPasswordReset": Rpc(Kind.UNARY, auth_pb2.RequestPasswordResetRequest),
        "ResetPassword": Rpc(Kind.UNARY, auth_pb2.ResetPasswordRequest),
        "CreateWalletChallenge": Rpc(Kind.UNARY, auth_pb2.CreateWalletChallengeRequest),
        "VerifyWalletSignature": Rpc(Kind.UNARY, auth_pb2.VerifyWalletSignatureRequest),
        "LinkWallet": Rpc(Kind.UNARY, auth_pb2.LinkWalletRequest),
        "UnlinkIdentity": Rpc(Kind.UNARY, auth_pb2.UnlinkIdentityRequest, resource="name"),
        "AddEmail": Rpc(Kind.UNARY, auth_pb2.AddEmailRequest, resource="name"),
        "ChangeEmail": Rpc(Kind.UNARY, auth_pb2.ChangeEmailRequest, resource="name"),
        "DeleteAccount": Rpc(Kind.UNARY, auth_pb2.DeleteAccountRequest, resource="name"),
        "ExportAccountData": Rpc(Kind.SERVER_STREAM, auth_pb2.ExportAccountDataRequest, resource="name"),
        "ListSessions": Rpc(Kind.PAGED, auth_pb2.ListSessionsRequest, resource="parent", items="sessions"),
        "RevokeSession": Rpc(Kind.UNARY, auth_pb2.RevokeSessionRequest, resource="name"),
        "RevokeOtherSessions": Rpc(Kind.UNARY, auth_pb2.RevokeOtherSessionsRequest, resource="parent"),
        "RefreshToken": Rpc(Kind.UNARY, auth_pb2.RefreshTokenRequest),
        "LogOut": Rpc(Kind.UNARY, auth_pb2.LogOutRequest),
        "GetCurrentUser": Rpc(Kind.UNARY, auth_pb2.GetCurrentUserRequest),
        "CreateApiKey": Rpc(Kind.UNARY, auth_pb2.CreateApiKeyRequest, resource="parent", request_id=True),
        "ListApiKeys": Rpc(Kind.PAGED, auth_pb2.ListApiKeysRequest, resource="parent", items="api_keys"),
        "RevokeApiKey": Rpc(Kind.UNARY, auth_pb2.RevokeApiKeyRequest, resource="name"),
    }

    def sign_up_with_email(self, request=None, /, **arguments):
        """Creates a user with a password, plus a default organization and workspace.

        Args:
            request: a SignUpWithEmailRequest; or give its fields:
            email (str)
            password (str): 12 to 128 characters, not a common password.
            display_name (str)

        Returns:
            AuthSession
        """
        return self._call("SignUpWithEmail", request, arguments)

    def log_in_with_email(self, request=None, /, **arguments):
        """Signs in with email and password.

        Args:
            request: a LogInWithEmailRequest; or give its fields:
            email (str)
            password (str)

        Returns:
            AuthSession
        """
        return self._call("LogInWithEmail", request, arguments)

    def change_password(self, request=None, /, **arguments):
        """Changes the caller's password and signs out every other session.

        Args:
            request: a ChangePasswordRequest; or give its fields:
            current_password (str)
            new_password (str)

        Returns:
            AuthSession
        """
        return self._call("ChangePassword", request, arguments)

    def send_email_verification(self, request=None, /, **arguments):
        """Mails the caller a link that verifies their email (rate limited).

        Args:
            request: a SendEmailVerificationRequest; or give its fields:

        Returns:
            Empty
        """
        return self._call("SendEmailVerification", request, arguments)

    def verify_email(self, request=None, /, **arguments):
        """Marks an email verified with the single-use token a verification mail carried.

        Args:
            request: a VerifyEmailRequest; or give its fields:
            token (str): The token from the verification mail's link.

        Returns:
            User
        """
        return self._call("VerifyEmail", request, arguments)

    def request_password_reset(self, request=None, /, **arguments):
        """Mails a password reset link when the email has an account; answers alike when it
        has none (no enumeration). Rate limited per address and per email.

        Args:
            request: a RequestPasswordResetRequest; or give its fields:
            email (str)

        Returns:
            Empty
        """
        return self._call("RequestPasswordReset", request, arguments)

    def reset_password(self, request=None, /, **arguments):
        """Sets a new password with a reset token (single use, 30 minutes); every session ends.

        Args:
            request: a ResetPasswordRequest; or give its fields:
            token (str): The token from the reset mail's link.
            new_password (str)

        Returns:
            Empty
        """
        return self._call("ResetPassword", request, arguments)

    def create_wallet_challenge(self, request=None, /, **arguments):
        """Returns the exact message a wallet must sign, with a single-use nonce.

        Args:
            request: a CreateWalletChallengeRequest; or give its fields:
            chain (WalletChain)
            address (str): The wallet address that will sign.
            chain_id (str): EVM: decimal chain id (default "1"); Solana: cluster (default
                "mainnet"); Cosmos: chain id (default "secret-4").

        Returns:
            WalletChallenge
        """
        return self._call("CreateWalletChallenge", request, arguments)

    def verify_wallet_signature(self, request=None, /, **arguments):
        """Signs in with a signed challenge; creates the user on first sign-in.

        Args:
            request: a VerifyWalletSignatureRequest; or give its fields:
            chain (WalletChain)
            message (str): The challenge message exactly as signed.
            signature (str): EVM: 0x-prefixed hex (65 bytes); Solana: base58; Cosmos: base64 (64 bytes r||s).
            public_key (str): Cosmos only: the base64 compressed secp256k1 public key.

        Returns:
            AuthSession
        """
        return self._call("VerifyWalletSignature", request, arguments)

    def link_wallet(self, request=None, /, **arguments):
        """Adds a wallet (a signed challenge) to the signed-in user.

        Args:
            request: a LinkWalletRequest; or give its fields:
            chain (WalletChain)
            message (str)
            signature (str)
            public_key (str)

        Returns:
            Identity
        """
        return self._call("LinkWallet", request, arguments)

    def unlink_identity(self, request=None, /, **arguments):
        """Removes one of the caller's identities; never the last way to sign in.

        Args:
            request: a UnlinkIdentityRequest, or its ``name``; or give its fields:
            name (str): users/{user}/identities/{identity}

        Returns:
            Empty
        """
        return self._call("UnlinkIdentity", request, arguments)

    def add_email(self, request=None, /, **arguments):
        """Adds an email address, and a password to sign in with it, to the caller's
        wallet-only account: a link is mailed to the address, and following it
        (VerifyEmail) adds both, the email verified. Rate limited like
        SendEmailVerification.

        Args:
            request: a AddEmailRequest, or its ``name``; or give its fields:
            name (str): users/{user}: the caller.
            email (str)
            password (str): The password to sign in with the email, under the sign-up policy.

        Returns:
            Empty
        """
        return self._call("AddEmail", request, arguments)

    def change_email(self, request=None, /, **arguments):
        """Changes the caller's email after re-authentication (the password, or a
        sign-in made within the last 5 minutes): a link is mailed to the new address
        and a notice to the current one; the change takes effect when the link is
        followed (VerifyEmail), the new address then verified. ALREADY_EXISTS when
        an account has the new address. Rate limited like SendEmailVerification.

        Args:
            request: a ChangeEmailRequest, or its ``name``; or give its fields:
            name (str): users/{user}: the caller.
            new_email (str)
            password (str): The current password; may be empty within 5 minutes of a sign-in.

        Returns:
            Empty
        """
        return self._call("ChangeEmail", request, arguments)

    def delete_account(self, request=None, /, **arguments):
        """Deletes the caller's account after re-authentication (the password, or a
        sign-in made within the last 5 minutes, e.g. a fresh wallet signature).
        Refused while the caller is the last owner of an organization with other
        members; organizations the caller is alone in are deleted with everything
        in them. Personal data is deleted or anonymized, every session and API key
        the caller made is revoked, and the deletion is audited.

        Args:
            request: a DeleteAccountRequest, or its ``name``; or give its fields:
            name (str): users/{user}: the caller.
            password (str): The account's password. Without it, the calling session must have signed
                in (password or wallet signature) within the last 5 minutes.

        Returns:
            Empty
        """
        return self._call("DeleteAccount", request, arguments)

    def export_account_data(self, request=None, /, **arguments):
        """A JSON archive of what the platform holds about the caller (profile,
        identities, memberships, sessions, API keys made, own audit events),
        streamed in pieces.

        Args:
            request: a ExportAccountDataRequest, or its ``name``; or give its fields:
            name (str): users/{user}: the caller.

        Returns:
            An iterator of ExportAccountDataResponse, each as it arrives (async: an async iterator).
        """
        return self._call("ExportAccountData", request, arguments)

    def list_sessions(self, request=None, /, **arguments):
        """The caller's live sessions (sign-ins), oldest first, the calling one marked.

        Args:
            request: a ListSessionsRequest, or its ``parent``; or give its fields:
            parent (str): users/{user}: the caller.
            page_size (int): At most 1000; 50 when unset.
            page_token (str)

        Returns:
            A pager: iterating it yields every Session, fetching pages as needed; ``pages()`` yields each ListSessionsResponse.
        """
        return self._call("ListSessions", request, arguments)

    def revoke_session(self, request=None, /, **arguments):
        """Ends one of the caller's sessions: its refresh token and access tokens stop working.

        Args:
            request: a RevokeSessionRequest, or its ``name``; or give its fields:
            name (str): users/{user}/sessions/{session}

        Returns:
            Empty
        """
        return self._call("RevokeSession", request, arguments)

    def revoke_other_sessions(self, request=None, /, **arguments):
        """Ends every session of the caller except the one making the call.

        Args:
            request: a RevokeOtherSessionsRequest, or its ``parent``; or give its fields:
            parent (str): users/{user}: the caller.

        Returns:
            RevokeOtherSessionsResponse
        """
        return self._call("RevokeOtherSessions", request, arguments)

    def refresh_token(self, request=None, /, **arguments):
        """Exchanges a refresh token for new tokens. The presented refresh token is
        rotated; presenting a rotated one again revokes its whole family.

        Args:
            request: a RefreshTokenRequest; or give its fields:
            refresh_token (str)

        Returns:
            AuthSession
        """
        return self._call("RefreshToken", request, arguments)

    def log_out(self, request=None, /, **arguments):
        """Revokes the session a refresh token belongs to.

        Args:
            request: a LogOutRequest; or give its fields:
            refresh_token (str)

        Returns:
            Empty
        """
        return self._call("LogOut", request, arguments)

    def get_current_user(self, request=None, /, **arguments):
        """The caller: profile, linked identities, memberships, current context.

        Args:
            request: a GetCurrentUserRequest; or give its fields:

        Returns:
            CurrentUser
        """
        return self._call("GetCurrentUser", request, arguments)

    def create_api_key(self, request=None, /, **arguments):
        """Creates an API key for backend clients; the secret is shown only here.

        Args:
            request: a CreateApiKeyRequest, or its ``parent``; or give its fields:
            parent (str): organizations/{org}/workspaces/{ws}
            api_key (ApiKey)
            request_id (str): Idempotency key (AIP-155): a retry with the same id returns the same
                ApiKey, without the secret (only its hash was kept).
                Set to a random UUID when empty.

        Returns:
            CreateApiKeyResponse
        """
        return self._call("CreateApiKey", request, arguments)

    def list_api_keys(self, request=None, /, **arguments):
        """Lists a workspace's API keys (never their secrets).

        Args:
            request: a ListApiKeysRequest, or its ``parent``; or give its fields:
            parent (str)
            page_size (int): At most 1000; 50 when unset.
            page_token (str)

        Returns:
            A pager: iterating it yields every ApiKey, fetching pages as needed; ``pages()`` yields each ListApiKeysResponse.
        """
        return self._call("ListApiKeys", request, arguments)

    def revoke_api_key(self, request=None, /, **arguments):
        """Revokes an API key; it stops working on the next request.

        Args:
            request: a RevokeApiKeyRequest, or its ``name``; or give its fields:
            name (str)

        Returns:
            ApiKey
        """
        return self._call("RevokeApiKey", request, arguments)


class InferenceService(Service):
    """Models served by the enclave (a Secret VM), token-by-token completions and
    the attestation of where they run."""

    stub_class = inference_pb2_grpc.InferenceServiceStub
    rpcs = {
        "ListModels": Rpc(Kind.PAGED, inference_pb2.ListModelsRequest, resource="parent", items="models"),
        "StreamChatCompletion": Rpc(Kind.SERVER_STREAM, inference_pb2.StreamChatCompletionRequest, resource="parent"),
        "GetAttestation": Rpc(Kind.UNARY, inference_pb2.GetAttestationRequest),
    }

    def list_models(self, request=None, /, **arguments):
        """Lists the chat and embedding models the enclave serves. Also served at
        GET /v1/models?parent=organizations/{org}/workspaces/{ws}.

        Args:
            request: a ListModelsRequest, or its ``parent``; or give its fields:
            parent (str): organizations/{org}/workspaces/{ws}
            page_size (int)
            page_token (str)

        Returns:
            A pager: iterating it yields every Model, fetching pages as needed; ``pages()`` yields each ListModelsResponse.
        """
        return self._call("ListModels", request, arguments)

    def stream_chat_completion(self, request=None, /, **arguments):
        """Streams a chat completion token by token. Cancelling the call (or its
        deadline) stops generation upstream. Tokens count against the
        workspace's organization.

        Args:
            request: a StreamChatCompletionRequest, or its ``parent``; or give its fields:
            parent (str): organizations/{org}/workspaces/{ws}: whose quota the tokens count against.
            model (str): A chat model id from ListModels; the default chat model when empty.
            messages (list[ChatCompletionMessage]): The conversation so far, oldest first.
            temperature (float): Sampling temperature; the model's default when unset.
            top_p (float)
            max_tokens (int): Most tokens to generate; the model's default when unset.
            seed (int): Same seed and temperature 0: same output.
            stop (list[str]): Sequences that end generation, each at most 64 characters.

        Returns:
            An iterator of ChatCompletionEvent, each as it arrives (async: an async iterator).
        """
        return self._call("StreamChatCompletion", request, arguments)

    def get_attestation(self, request=None, /, **arguments):
        """The current attestation of the inference enclave, for anyone to check.

        Args:
            request: a GetAttestationRequest; or give its fields:

        Returns:
            Attestation
        """
        return self._call("GetAttestation", request, arguments)


class KnowledgeService(Service):
    """Knowledge bases, document ingestion (parse, chunk, embed in the enclave,
    index) and retrieval with citations."""

    stub_class = knowledge_pb2_grpc.KnowledgeServiceStub
    rpcs = {
        "CreateKnowledgeBase": Rpc(Kind.UNARY, knowledge_pb2.CreateKnowledgeBaseRequest, resource="parent", request_id=True),
        "GetKnowledgeBase": Rpc(Kind.UNARY, knowledge_pb2.GetKnowledgeBaseRequest, resource="name"),
        "ListKnowledgeBases": Rpc(Kind.PAGED, knowledge_pb2.ListKnowledgeBasesRequest, resource="parent", items="knowledge_bases"),
        "UpdateKnowledgeBase": Rpc(Kind.UNARY, knowledge_pb2.UpdateKnowledgeBaseRequest),
        "DeleteKnowledgeBase": Rpc(Kind.UNARY, knowledge_pb2.DeleteKnowledgeBaseRequest, resource="name"),
        "UploadDocument": Rpc(Kind.CLIENT_STREAM, knowledge_pb2.UploadDocumentRequest),
        "UploadDocuments": Rpc(Kind.CLIENT_STREAM, knowledge_pb2.UploadDocumentsRequest),
        "StartUpload": Rpc(Kind.UNARY, knowledge_pb2.StartUploadRequest, resource="parent", request_id=True),
        "GetUpload": Rpc(Kind.UNARY, knowledge_pb2.GetUploadRequest, resource="name"),
        "AppendUpload": Rpc(Kind.UNARY, knowledge_pb2.AppendUploadRequest, resource="name"),
        "FinishUpload": Rpc(Kind.UNARY, knowledge_pb2.FinishUploadRequest, resource="name"),
        "DeleteUpload": Rpc(Kind.UNARY, knowledge_pb2.DeleteUploadRequest, resource="name"),
        "CreateDocument": Rpc(Kind.UNARY, knowledge_pb2.CreateDocumentRequest, resource="parent", request_id=True),
        "GetDocument": Rpc(Kind.UNARY, knowledge_pb2.GetDocumentRequest, resource="name"),
        "ListDocuments": Rpc(Kind.PAGED, knowledge_pb2.ListDocumentsRequest, resource="parent", items="documents"),
        "ListChunks": Rpc(Kind.PAGED, knowledge_pb2.ListChunksRequest, resource="parent", items="chunks"),
        "UpdateDocument": Rpc(Kind.UNARY, knowledge_pb2.UpdateDocumentRequest),
        "DeleteDocument": Rpc(Kind.UNARY, knowledge_pb2.DeleteDocumentRequest, resource="name"),
        "ReindexDocument": Rpc(Kind.UNARY, knowledge_pb2.ReindexDocumentRequest, resource="name"),
        "CancelIngestion": Rpc(Kind.UNARY, knowledge_pb2.CancelIngestionRequest, resource="name"),
        "WatchIngestion": Rpc(Kind.SERVER_STREAM, knowledge_pb2.WatchIngestionRequest, resource="name"),
        "SearchKnowledgeBase": Rpc(Kind.UNARY, knowledge_pb2.SearchKnowledgeBaseRequest, resource="name"),
        "PreviewChunking": Rpc(Kind.UNARY, knowledge_pb2.PreviewChunkingRequest, resource="parent"),
        "CreateWebsiteSource": Rpc(Kind.UNARY, knowledge_pb2.CreateWebsiteSourceRequest, resource="parent", request_id=True),
        "GetWebsiteSource": Rpc(Kind.UNARY, knowledge_pb2.GetWebsiteSourceRequest, resource="name"),
        "ListWebsiteSources": Rpc(Kind.PAGED, knowledge_pb2.ListWebsiteSourcesRequest, resource="parent", items="website_sources"),
        "WatchWebsiteSource": Rpc(Kind.SERVER_STREAM, knowledge_pb2.WatchWebsiteSourceRequest, resource="name"),
        "SyncWebsiteSource": Rpc(Kind.UNARY, knowledge_pb2.SyncWebsiteSourceRequest, resource="name"),
        "DeleteWebsiteSource": Rpc(Kind.UNARY, knowledge_pb2.DeleteWebsiteSourceRequest, resource="name"),
    }

    def create_knowledge_base(self, request=None, /, **arguments):
        """Creates an empty knowledge base in a workspace.

        Args:
            request: a CreateKnowledgeBaseRequest, or its ``parent``; or give its fields:
            parent (str): organizations/{org}/workspaces/{ws}
            knowledge_base (KnowledgeBase)
            request_id (str): Idempotency key (AIP-155): a retry with the same id returns the same
                knowledge base.
                Set to a random UUID when empty.

        Returns:
            KnowledgeBase
        """
        return self._call("CreateKnowledgeBase", request, arguments)

    def get_knowledge_base(self, request=None, /, **arguments):
        """Returns a knowledge base with its settings and counts.

        Args:
            request: a GetKnowledgeBaseRequest, or its ``name``; or give its fields:
            name (str)

        Returns:
            KnowledgeBase
        """
        return self._call("GetKnowledgeBase", request, arguments)

    def list_knowledge_bases(self, request=None, /, **arguments):
        """Lists a workspace's knowledge bases.

        Args:
            request: a ListKnowledgeBasesRequest, or its ``parent``; or give its fields:
            parent (str)
            page_size (int): At most 1000; 50 when unset.
            page_token (str)

        Returns:
            A pager: iterating it yields every KnowledgeBase, fetching pages as needed; ``pages()`` yields each ListKnowledgeBasesResponse.
        """
        return self._call("ListKnowledgeBases", request, arguments)

    def update_knowledge_base(self, request=None, /, **arguments):
        """Updates a knowledge base. Changing chunking or embedding_model re-indexes
        every document (watch it with WatchIngestion on the knowledge base).

        Args:
            request: a UpdateKnowledgeBaseRequest; or give its fields:
            knowledge_base (KnowledgeBase)
            update_mask (FieldMask): Fields to change: display_name, description, chunking, embedding_model,
                retrieval (and their subfields).

        Returns:
            KnowledgeBase
        """
        return self._call("UpdateKnowledgeBase", request, arguments)

    def delete_knowledge_base(self, request=None, /, **arguments):
        """Deletes a knowledge base, its documents and all their vectors.

        Args:
            request: a DeleteKnowledgeBaseRequest, or its ``name``; or give its fields:
            name (str)
            etag (str)

        Returns:
            Empty
        """
        return self._call("DeleteKnowledgeBase", request, arguments)

    def upload_document(self, request=None, /, **arguments):
        """Uploads a file as a stream: the first message carries the metadata, the
        following ones the bytes in order. Returns the document (state PENDING)
        once the last byte is stored; ingestion then runs in the background.
        REST clients should prefer CreateDocument: the path has no variable
        because REST path bindings would be copied into every streamed message.

        Args:
            request: an iterable of UploadDocumentRequest (async: or an async iterable).

        Returns:
            Document
        """
        return self._call("UploadDocument", request, arguments)

    def upload_documents(self, request=None, /, **arguments):
        """Uploads many files in one stream: each file is a metadata message
        followed by its bytes in chunks, as in UploadDocument, every file into
        the knowledge base the first one names (at most 100 files). Each file is
        taken or refused on its own: the response has one result per file, in
        the order sent, with its document (state PENDING) or why it was refused
        (a refused file leaves nothing behind; the others are kept).

        Args:
            request: an iterable of UploadDocumentsRequest (async: or an async iterable).

        Returns:
            UploadDocumentsResponse
        """
        return self._call("UploadDocuments", request, arguments)

    def start_upload(self, request=None, /, **arguments):
        """Starts a resumable upload, for clients that cannot stream a request
        (browsers): declare the file's name, type and size, send its bytes with
        AppendUpload in chunks of at most 1 MiB, then FinishUpload. The declared
        size and type are checked here, before any byte is sent. Unfinished
        uploads expire (Upload.expire_time).

        Args:
            request: a StartUploadRequest, or its ``parent``; or give its fields:
            parent (str): organizations/{org}/workspaces/{ws}/knowledgeBases/{kb}
            upload (Upload)
            request_id (str): Set to a random UUID when empty.

        Returns:
            Upload
        """
        return self._call("StartUpload", request, arguments)

    def get_upload(self, request=None, /, **arguments):
        """Returns an upload: how many bytes arrived (where to resume).

        Args:
            request: a GetUploadRequest, or its ``name``; or give its fields:
            name (str)

        Returns:
            Upload
        """
        return self._call("GetUpload", request, arguments)

    def append_upload(self, request=None, /, **arguments):
        """Appends a chunk at `offset`, which must be the number of bytes received
        so far. Sending a chunk again at its offset (a retry after a dropped
        connection) is safe: the same bytes are acknowledged, not stored twice.

        Args:
            request: a AppendUploadRequest, or its ``name``; or give its fields:
            name (str)
            offset (int): Where `data` starts in the file: the upload's received_bytes.
            data (bytes): At most 1 MiB (base64 in JSON).

        Returns:
            Upload
        """
        return self._call("AppendUpload", request, arguments)

    def finish_upload(self, request=None, /, **arguments):
        """Completes an upload of all its declared bytes: the document is created
        exactly as UploadDocument creates it (parsed first; a bad file is
        INVALID_ARGUMENT). A retry returns the same document.

        Args:
            request: a FinishUploadRequest, or its ``name``; or give its fields:
            name (str)

        Returns:
            Document
        """
        return self._call("FinishUpload", request, arguments)

    def delete_upload(self, request=None, /, **arguments):
        """Abandons an upload and discards its bytes.

        Args:
            request: a DeleteUploadRequest, or its ``name``; or give its fields:
            name (str)

        Returns:
            Empty
        """
        return self._call("DeleteUpload", request, arguments)

    def create_document(self, request=None, /, **arguments):
        """Adds a document whose content is inline in the request (REST friendly).

        Args:
            request: a CreateDocumentRequest, or its ``parent``; or give its fields:
            parent (str): organizations/{org}/workspaces/{ws}/knowledgeBases/{kb}
            document (Document): display_name, content_type, labels.
            text (str): Plain text or Markdown, as is.
            content (bytes): A file's bytes (base64 in JSON); larger files: UploadDocument.
            request_id (str): Set to a random UUID when empty.

        Returns:
            Document
        """
        return self._call("CreateDocument", request, arguments)

    def get_document(self, request=None, /, **arguments):
        """Returns a document with its ingestion state.

        Args:
            request: a GetDocumentRequest, or its ``name``; or give its fields:
            name (str)

        Returns:
            Document
        """
        return self._call("GetDocument", request, arguments)

    def list_documents(self, request=None, /, **arguments):
        """Lists a knowledge base's documents, newest first.

        Args:
            request: a ListDocumentsRequest, or its ``parent``; or give its fields:
            parent (str): organizations/{org}/workspaces/{ws}/knowledgeBases/{kb}
            page_size (int)
            page_token (str)

        Returns:
            A pager: iterating it yields every Document, fetching pages as needed; ``pages()`` yields each ListDocumentsResponse.
        """
        return self._call("ListDocuments", request, arguments)

    def list_chunks(self, request=None, /, **arguments):
        """Lists a document's chunks in document order, each with its text and citation.

        Args:
            request: a ListChunksRequest, or its ``parent``; or give its fields:
            parent (str): organizations/{org}/workspaces/{ws}/knowledgeBases/{kb}/documents/{doc}
            page_size (int)
            page_token (str)

        Returns:
            A pager: iterating it yields every DocumentChunk, fetching pages as needed; ``pages()`` yields each ListChunksResponse.
        """
        return self._call("ListChunks", request, arguments)

    def update_document(self, request=None, /, **arguments):
        """Changes a document's display_name or labels, or replaces its content
        (update_mask "content", the new bytes in `text` or `content`): the new
        content is checked as CreateDocument checks it (a bad file changes
        nothing), the old chunks go at once, the old vectors are deleted through
        the outbox, and the document is ingested again. A document being
        ingested (PROCESSING) cannot have its content replaced:
        FAILED_PRECONDITION.

        Args:
            request: a UpdateDocumentRequest; or give its fields:
            document (Document): The document's name and etag, and the fields update_mask names:
                display_name, labels, and content_type with new content.
            update_mask (FieldMask): Fields to change: display_name, labels, content (from text or content).
            text (str)
            content (bytes)

        Returns:
            Document
        """
        return self._call("UpdateDocument", request, arguments)

    def delete_document(self, request=None, /, **arguments):
        """Deletes a document and all its vectors (cancelling its ingestion if running).

        Args:
            request: a DeleteDocumentRequest, or its ``name``; or give its fields:
            name (str)
            etag (str)

        Returns:
            Empty
        """
        return self._call("DeleteDocument", request, arguments)

    def reindex_document(self, request=None, /, **arguments):
        """Sends a ready, failed or cancelled document through ingestion again with its
        knowledge base's current settings (its old vectors are replaced).

        Args:
            request: a ReindexDocumentRequest, or its ``name``; or give its fields:
            name (str): organizations/{org}/workspaces/{ws}/knowledgeBases/{kb}/documents/{doc}

        Returns:
            Document
        """
        return self._call("ReindexDocument", request, arguments)

    def cancel_ingestion(self, request=None, /, **arguments):
        """Stops a document's pending or running ingestion; the document ends
        CANCELLED with none of its chunks searchable.

        Args:
            request: a CancelIngestionRequest, or its ``name``; or give its fields:
            name (str): organizations/{org}/workspaces/{ws}/knowledgeBases/{kb}/documents/{doc}

        Returns:
            Document
        """
        return self._call("CancelIngestion", request, arguments)

    def watch_ingestion(self, request=None, /, **arguments):
        """Streams ingestion progress of one document, or of every document in a
        knowledge base. The first event is the current state; a document's
        stream ends when it reaches a final state (READY, FAILED, CANCELLED), a
        knowledge base's when none of its documents is pending or processing.

        Args:
            request: a WatchIngestionRequest, or its ``name``; or give its fields:
            name (str): A document, or a knowledge base to watch all its documents.

        Returns:
            An iterator of IngestionEvent, each as it arrives (async: an async iterator).
        """
        return self._call("WatchIngestion", request, arguments)

    def search_knowledge_base(self, request=None, /, **arguments):
        """Retrieves the chunks that best match a query, with citations. The query
        is embedded in the enclave.

        Args:
            request: a SearchKnowledgeBaseRequest, or its ``name``; or give its fields:
            name (str): organizations/{org}/workspaces/{ws}/knowledgeBases/{kb}
            query (str)
            retrieval (RetrievalSettings): Overrides of the knowledge base's retrieval defaults; unset fields keep them.
            documents (list[str]): Only these documents, when set.
            labels (dict[str, str]): Only documents carrying all these labels, when set.

        Returns:
            SearchKnowledgeBaseResponse
        """
        return self._call("SearchKnowledgeBase", request, arguments)

    def preview_chunking(self, request=None, /, **arguments):
        """Parses and chunks content with the given settings and returns the
        chunks; stores nothing and embeds nothing.

        Args:
            request: a PreviewChunkingRequest, or its ``parent``; or give its fields:
            parent (str): organizations/{org}/workspaces/{ws}
            text (str)
            content (bytes)
            content_type (str): MIME type of the source; text/plain when empty.
            chunking (ChunkingSettings)

        Returns:
            PreviewChunkingResponse
        """
        return self._call("PreviewChunking", request, arguments)

    def create_website_source(self, request=None, /, **arguments):
        """Adds a website as a source of documents: the pages found by following a
        start URL's same-site links (or listed in a sitemap), within include and
        exclude patterns, max_pages and max_depth, robots.txt honoured. Each page
        becomes a document whose citations carry its URL. The first sync starts at
        once; a site that cannot be reached (or a private address) is
        INVALID_ARGUMENT and nothing is stored.

        Args:
            request: a CreateWebsiteSourceRequest, or its ``parent``; or give its fields:
            parent (str): organizations/{org}/workspaces/{ws}/knowledgeBases/{kb}
            website_source (WebsiteSource)
            request_id (str): Set to a random UUID when empty.

        Returns:
            WebsiteSource
        """
        return self._call("CreateWebsiteSource", request, arguments)

    def get_website_source(self, request=None, /, **arguments):
        """Returns a website source with the state and progress of its latest sync.

        Args:
            request: a GetWebsiteSourceRequest, or its ``name``; or give its fields:
            name (str)

        Returns:
            WebsiteSource
        """
        return self._call("GetWebsiteSource", request, arguments)

    def list_website_sources(self, request=None, /, **arguments):
        """Lists a knowledge base's website sources.

        Args:
            request: a ListWebsiteSourcesRequest, or its ``parent``; or give its fields:
            parent (str): organizations/{org}/workspaces/{ws}/knowledgeBases/{kb}
            page_size (int)
            page_token (str)

        Returns:
            A pager: iterating it yields every WebsiteSource, fetching pages as needed; ``pages()`` yields each ListWebsiteSourcesResponse.
        """
        return self._call("ListWebsiteSources", request, arguments)

    def watch_website_source(self, request=None, /, **arguments):
        """Streams a website source each time its sync moves on (state, pages
        found, fetched, failed, added...). The first message is its current
        state; the stream ends when no sync is queued or running (READY, FAILED).

        Args:
            request: a WatchWebsiteSourceRequest, or its ``name``; or give its fields:
            name (str)

        Returns:
            An iterator of WebsiteSource, each as it arrives (async: an async iterator).
        """
        return self._call("WatchWebsiteSource", request, arguments)

    def sync_website_source(self, request=None, /, **arguments):
        """Crawls the site again now: pages whose content changed are re-indexed,
        new pages added, pages gone from the site (not linked any more, or 404)
        deleted with their vectors. A source already syncing is
        FAILED_PRECONDITION.

        Args:
            request: a SyncWebsiteSourceRequest, or its ``name``; or give its fields:
            name (str)

        Returns:
            WebsiteSource
        """
        return self._call("SyncWebsiteSource", request, arguments)

    def delete_website_source(self, request=None, /, **arguments):
        """Deletes a website source and the documents of its pages, with their vectors.

        Args:
            request: a DeleteWebsiteSourceRequest, or its ``name``; or give its fields:
            name (str)
            etag (str)

        Returns:
            Empty
        """
        return self._call("DeleteWebsiteSource", request, arguments)


class BotService(Service):
    """Chatbots from draft to deployment, streaming grounded chat with citations,
    sessions, feedback and analytics."""

    stub_class = bot_pb2_grpc.BotServiceStub
    rpcs = {
        "CreateChatbotDraft": Rpc(Kind.UNARY, bot_pb2.CreateChatbotDraftRequest, resource="parent", request_id=True),
        "GetChatbotDraft": Rpc(Kind.UNARY, bot_pb2.GetChatbotDraftRequest, resource="name"),
        "UpdateChatbotDraft": Rpc(Kind.UNARY, bot_pb2.UpdateChatbotDraftRequest),
        "FinalizeChatbotDraft": Rpc(Kind.UNARY, bot_pb2.FinalizeChatbotDraftRequest, resource="name", request_id=True),
        "TestChatbotDraft": Rpc(Kind.SERVER_STREAM, bot_pb2.TestChatbotDraftRequest, resource="name"),
        "GetChatbot": Rpc(Kind.UNARY, bot_pb2.GetChatbotRequest, resource="name"),
        "ListChatbots": Rpc(Kind.PAGED, bot_pb2.ListChatbotsRequest, resource="parent", items="chatbots"),
        "UpdateChatbot": Rpc(Kind.UNARY, bot_pb2.UpdateChatbotRequest),
        "DeleteChatbot": Rpc(Kind.UNARY, bot_pb2.DeleteChatbotRequest, resource="name"),
        "PublishChatbot": Rpc(Kind.UNARY, bot_pb2.PublishChatbotRequest, resource="name"),
        "RotatePublishableKey": Rpc(Kind.UNARY, bot_pb2.RotatePublishableKeyRequest, resource="name"),
        "Chat": Rpc(Kind.SERVER_STREAM, bot_pb2.ChatRequest, resource="name"),
        "GetChatbotWidget": Rpc(Kind.UNARY, bot_pb2.GetChatbotWidgetRequest, resource="name"),
        "ListChatbotVersions": Rpc(Kind.PAGED, bot_pb2.ListChatbotVersionsRequest, resource="parent", items="chatbot_versions"),
        "RollbackChatbot": Rpc(Kind.UNARY, bot_pb2.RollbackChatbotRequest, resource="name"),
        "ListLeads": Rpc(Kind.PAGED, bot_pb2.ListLeadsRequest, resource="parent", items="leads"),
        "GetLeadStats": Rpc(Kind.UNARY, bot_pb2.GetLeadStatsRequest, resource="parent"),
        "GetLead": Rpc(Kind.UNARY, bot_pb2.GetLeadRequest, resource="name"),
        "UpdateLead": Rpc(Kind.UNARY, bot_pb2.UpdateLeadRequest, resource="name"),
        "DeleteLead": Rpc(Kind.UNARY, bot_pb2.DeleteLeadRequest, resource="name"),
        "ExportLeads": Rpc(Kind.SERVER_STREAM, bot_pb2.ExportLeadsRequest, resource="parent"),
        "ListChatSessions": Rpc(Kind.PAGED, bot_pb2.ListChatSessionsRequest, resource="parent", items="chat_sessions"),
        "GetChatSession": Rpc(Kind.UNARY, bot_pb2.GetChatSessionRequest, resource="name"),
        "SubmitFeedback": Rpc(Kind.UNARY, bot_pb2.SubmitFeedbackRequest, resource="name"),
        "GetChatbotAnalytics": Rpc(Kind.UNARY, bot_pb2.GetChatbotAnalyticsRequest, resource="name"),
        "CreateChannel": Rpc(Kind.UNARY, bot_pb2.CreateChannelRequest, resource="parent", request_id=True),
        "GetChannel": Rpc(Kind.UNARY, bot_pb2.GetChannelRequest, resource="name"),
        "ListChannels": Rpc(Kind.PAGED, bot_pb2.ListChannelsRequest, resource="parent", items="channels"),
        "UpdateChannel": Rpc(Kind.UNARY, bot_pb2.UpdateChannelRequest),
        "DeleteChannel": Rpc(Kind.UNARY, bot_pb2.DeleteChannelRequest, resource="name"),
        "ReceiveChannelWebhook": Rpc(Kind.UNARY, bot_pb2.ReceiveChannelWebhookRequest),
    }

    def create_chatbot_draft(self, request=None, /, **arguments):
        """Starts a draft. Drafts live in the ephemeral store and vanish at
        expire_time unless updated or finalized.

        Args:
            request: a CreateChatbotDraftRequest, or its ``parent``; or give its fields:
            parent (str): organizations/{org}/workspaces/{ws}
            chatbot_draft (ChatbotDraft)
            request_id (str): Idempotency key (AIP-155).
                Set to a random UUID when empty.

        Returns:
            ChatbotDraft
        """
        return self._call("CreateChatbotDraft", request, arguments)

    def get_chatbot_draft(self, request=None, /, **arguments):
        """Returns a draft.

        Args:
            request: a GetChatbotDraftRequest, or its ``name``; or give its fields:
            name (str)

        Returns:
            ChatbotDraft
        """
        return self._call("GetChatbotDraft", request, arguments)

    def update_chatbot_draft(self, request=None, /, **arguments):
        """Updates a draft and extends its expire_time.

        Args:
            request: a UpdateChatbotDraftRequest; or give its fields:
            chatbot_draft (ChatbotDraft)
            update_mask (FieldMask): Fields to change, e.g. "config.system_prompt"; "config" replaces it all.

        Returns:
            ChatbotDraft
        """
        return self._call("UpdateChatbotDraft", request, arguments)

    def finalize_chatbot_draft(self, request=None, /, **arguments):
        """Writes the draft as a chatbot (plan limits checked), publishes its first
        version and deletes the draft, atomically.

        Args:
            request: a FinalizeChatbotDraftRequest, or its ``name``; or give its fields:
            name (str)
            request_id (str): Idempotency key: a retry after the draft is gone returns the same chatbot.
                Set to a random UUID when empty.
            etag (str): The draft's etag, to finalize exactly what was reviewed.

        Returns:
            Chatbot
        """
        return self._call("FinalizeChatbotDraft", request, arguments)

    def test_chatbot_draft(self, request=None, /, **arguments):
        """Chats with a draft before it exists; test sessions vanish with the draft.

        Args:
            request: a TestChatbotDraftRequest, or its ``name``; or give its fields:
            name (str): organizations/{org}/workspaces/{ws}/chatbotDrafts/{draft}
            session (str): A test session from an earlier session_started; a new one when empty.
            message (str)

        Returns:
            An iterator of ChatEvent, each as it arrives (async: an async iterator).
        """
        return self._call("TestChatbotDraft", request, arguments)

    def get_chatbot(self, request=None, /, **arguments):
        """Returns a chatbot.

        Args:
            request: a GetChatbotRequest, or its ``name``; or give its fields:
            name (str)

        Returns:
            Chatbot
        """
        return self._call("GetChatbot", request, arguments)

    def list_chatbots(self, request=None, /, **arguments):
        """Lists a workspace's chatbots.

        Args:
            request: a ListChatbotsRequest, or its ``parent``; or give its fields:
            parent (str)
            page_size (int): At most 1000; 50 when unset.
            page_token (str)

        Returns:
            A pager: iterating it yields every Chatbot, fetching pages as needed; ``pages()`` yields each ListChatbotsResponse.
        """
        return self._call("ListChatbots", request, arguments)

    def update_chatbot(self, request=None, /, **arguments):
        """Updates a chatbot's working configuration; chat keeps using the
        published version until PublishChatbot.

        Args:
            request: a UpdateChatbotRequest; or give its fields:
            chatbot (Chatbot)
            update_mask (FieldMask): Fields to change, e.g. "config.temperature"; "config" replaces it all.

        Returns:
            Chatbot
        """
        return self._call("UpdateChatbot", request, arguments)

    def delete_chatbot(self, request=None, /, **arguments):
        """Deletes a chatbot with its versions, sessions and publishable key, and its
        leads unless keep_leads.

        Args:
            request: a DeleteChatbotRequest, or its ``name``; or give its fields:
            name (str)
            etag (str)
            keep_leads (bool): Keep the chatbot's leads (ListLeads still lists them, by their old names);
                by default they are deleted with it.

        Returns:
            Empty
        """
        return self._call("DeleteChatbot", request, arguments)

    def publish_chatbot(self, request=None, /, **arguments):
        """Freezes the working configuration as a new immutable version that chat
        then uses.

        Args:
            request: a PublishChatbotRequest, or its ``name``; or give its fields:
            name (str)
            etag (str): The chatbot's etag, to publish exactly the configuration reviewed.

        Returns:
            Chatbot
        """
        return self._call("PublishChatbot", request, arguments)

    def rotate_publishable_key(self, request=None, /, **arguments):
        """Issues a new publishable key for the website widget and revokes the
        previous one. The key is shown only here.

        Args:
            request: a RotatePublishableKeyRequest, or its ``name``; or give its fields:
            name (str)

        Returns:
            RotatePublishableKeyResponse
        """
        return self._call("RotatePublishableKey", request, arguments)

    def chat(self, request=None, /, **arguments):
        """Sends a message and streams the reply, grounded in the chatbot's
        knowledge bases. Callable with the chatbot's publishable key. Cancelling
        stops generation; what was produced is stored, marked incomplete.

        Args:
            request: a ChatRequest, or its ``name``; or give its fields:
            name (str): organizations/{org}/workspaces/{ws}/chatbots/{bot}
            session (str): A session from an earlier session_started, to continue it; a new
                session when empty. With a publishable key, only the visitor's own.
            message (str)
            visitor_id (str): An opaque id the widget keeps per visitor (rate limits, session
                ownership). Ignored for signed-in members.
            lead (Lead): Contact details, when the chatbot captures leads.

        Returns:
            An iterator of ChatEvent, each as it arrives (async: an async iterator).
        """
        return self._call("Chat", request, arguments)

    def get_chatbot_widget(self, request=None, /, **arguments):
        """What the website widget shows of a published chatbot: its name, greeting,
        look and lead capture. Callable with the chatbot's publishable key, from
        its allowed origins (ORIGIN_NOT_ALLOWED otherwise).

        Args:
            request: a GetChatbotWidgetRequest, or its ``name``; or give its fields:
            name (str): organizations/{org}/workspaces/{ws}/chatbots/{bot}/widget

        Returns:
            ChatbotWidget
        """
        return self._call("GetChatbotWidget", request, arguments)

    def list_chatbot_versions(self, request=None, /, **arguments):
        """Lists a chatbot's published versions, newest first.

        Args:
            request: a ListChatbotVersionsRequest, or its ``parent``; or give its fields:
            parent (str): organizations/{org}/workspaces/{ws}/chatbots/{bot}
            page_size (int)
            page_token (str)

        Returns:
            A pager: iterating it yields every ChatbotVersion, fetching pages as needed; ``pages()`` yields each ListChatbotVersionsResponse.
        """
        return self._call("ListChatbotVersions", request, arguments)

    def rollback_chatbot(self, request=None, /, **arguments):
        """Publishes a copy of an older version as the newest (chat uses it from the next
        message) and makes it the working configuration too.

        Args:
            request: a RollbackChatbotRequest, or its ``name``; or give its fields:
            name (str): organizations/{org}/workspaces/{ws}/chatbots/{bot}
            version (int): The version to publish again (1, 2, ...).
            etag (str): The chatbot's etag, to roll back exactly the state reviewed.

        Returns:
            Chatbot
        """
        return self._call("RollbackChatbot", request, arguments)

    def list_leads(self, request=None, /, **arguments):
        """Lists the leads (contact details visitors left) captured in a workspace's chat
        sessions, oldest first, with their total; filters: chatbot, capture time.

        Args:
            request: a ListLeadsRequest, or its ``parent``; or give its fields:
            parent (str): organizations/{org}/workspaces/{ws}
            page_size (int)
            page_token (str)
            filter (LeadFilter)

        Returns:
            A pager: iterating it yields every LeadRecord, fetching pages as needed; ``pages()`` yields each ListLeadsResponse.
        """
        return self._call("ListLeads", request, arguments)

    def get_lead_stats(self, request=None, /, **arguments):
        """Counts of a workspace's leads under the same filters as ListLeads: in all,
        with consent, per chatbot (most first) and per UTC day (oldest first).

        Args:
            request: a GetLeadStatsRequest, or its ``parent``; or give its fields:
            parent (str): organizations/{org}/workspaces/{ws}
            filter (LeadFilter)

        Returns:
            LeadStats
        """
        return self._call("GetLeadStats", request, arguments)

    def get_lead(self, request=None, /, **arguments):
        """One lead: the contact details a visitor left in a chat session.

        Args:
            request: a GetLeadRequest, or its ``name``; or give its fields:
            name (str): organizations/{org}/workspaces/{ws}/chatbots/{bot}/sessions/{session}/lead

        Returns:
            LeadRecord
        """
        return self._call("GetLead", request, arguments)

    def update_lead(self, request=None, /, **arguments):
        """Corrects a lead's contact details (update_mask: email, display_name, consent).

        Args:
            request: a UpdateLeadRequest, or its ``name``; or give its fields:
            name (str): organizations/{org}/workspaces/{ws}/chatbots/{bot}/sessions/{session}/lead
            lead (Lead)
            update_mask (FieldMask): Fields of lead to change: email, display_name, consent, fields (the map is
                replaced whole).

        Returns:
            LeadRecord
        """
        return self._call("UpdateLead", request, arguments)

    def delete_lead(self, request=None, /, **arguments):
        """Erases a lead's contact details from its session (the conversation stays).

        Args:
            request: a DeleteLeadRequest, or its ``name``; or give its fields:
            name (str): organizations/{org}/workspaces/{ws}/chatbots/{bot}/sessions/{session}/lead

        Returns:
            Empty
        """
        return self._call("DeleteLead", request, arguments)

    def export_leads(self, request=None, /, **arguments):
        """Streams the same leads (every page, same filters) as CSV (a header row, then
        one row per lead) or as one JSON array, in chunks.

        Args:
            request: a ExportLeadsRequest, or its ``parent``; or give its fields:
            parent (str): organizations/{org}/workspaces/{ws}
            filter (LeadFilter)
            format (ExportLeadsRequest.Format)

        Returns:
            An iterator of ExportLeadsResponse, each as it arrives (async: an async iterator).
        """
        return self._call("ExportLeads", request, arguments)

    def list_chat_sessions(self, request=None, /, **arguments):
        """Lists a chatbot's sessions, most recently active first (without messages).

        Args:
            request: a ListChatSessionsRequest, or its ``parent``; or give its fields:
            parent (str): organizations/{org}/workspaces/{ws}/chatbots/{bot}
            page_size (int)
            page_token (str)

        Returns:
            A pager: iterating it yields every ChatSession, fetching pages as needed; ``pages()`` yields each ListChatSessionsResponse.
        """
        return self._call("ListChatSessions", request, arguments)

    def get_chat_session(self, request=None, /, **arguments):
        """Returns a session with one page of its messages, oldest first.

        Args:
            request: a GetChatSessionRequest, or its ``name``; or give its fields:
            name (str)
            message_page_size (int): Messages per page: at most 1000; 50 when unset.
            message_page_token (str)

        Returns:
            ChatSession
        """
        return self._call("GetChatSession", request, arguments)

    def submit_feedback(self, request=None, /, **arguments):
        """Rates an assistant message; a second call replaces the rating. Callable
        with the chatbot's publishable key.

        Args:
            request: a SubmitFeedbackRequest, or its ``name``; or give its fields:
            name (str): An assistant message:
                organizations/{org}/workspaces/{ws}/chatbots/{bot}/sessions/{session}/messages/{message}
            rating (Feedback.Rating)
            comment (str)
            visitor_id (str): With a publishable key: must match the session's visitor.

        Returns:
            Feedback
        """
        return self._call("SubmitFeedback", request, arguments)

    def get_chatbot_analytics(self, request=None, /, **arguments):
        """Aggregates a chatbot's stored conversations over a time range.

        Args:
            request: a GetChatbotAnalyticsRequest, or its ``name``; or give its fields:
            name (str): organizations/{org}/workspaces/{ws}/chatbots/{bot}/analytics
            start_time (Timestamp): The last 30 days when both are unset; end_time defaults to now.
            end_time (Timestamp)

        Returns:
            ChatbotAnalytics
        """
        return self._call("GetChatbotAnalytics", request, arguments)

    def create_channel(self, request=None, /, **arguments):
        """Connects a chatbot or chatflow to a messaging platform. The credentials
        are sealed at rest and never returned.

        Args:
            request: a CreateChannelRequest, or its ``parent``; or give its fields:
            parent (str): organizations/{org}/workspaces/{ws}
            channel (Channel)
            request_id (str): Idempotency key (AIP-155).
                Set to a random UUID when empty.

        Returns:
            Channel
        """
        return self._call("CreateChannel", request, arguments)

    def get_channel(self, request=None, /, **arguments):
        """Gets a channel connection (without its credentials).

        Args:
            request: a GetChannelRequest, or its ``name``; or give its fields:
            name (str)

        Returns:
            Channel
        """
        return self._call("GetChannel", request, arguments)

    def list_channels(self, request=None, /, **arguments):
        """Lists a workspace's channel connections.

        Args:
            request: a ListChannelsRequest, or its ``parent``; or give its fields:
            parent (str)
            page_size (int): At most 1000; 50 when unset.
            page_token (str)

        Returns:
            A pager: iterating it yields every Channel, fetching pages as needed; ``pages()`` yields each ListChannelsResponse.
        """
        return self._call("ListChannels", request, arguments)

    def update_channel(self, request=None, /, **arguments):
        """Updates a channel's display name, disabled flag or credentials.

        Args:
            request: a UpdateChannelRequest; or give its fields:
            channel (Channel)
            update_mask (FieldMask): display_name, disabled, credentials (replaced whole).

        Returns:
            Channel
        """
        return self._call("UpdateChannel", request, arguments)

    def delete_channel(self, request=None, /, **arguments):
        """Deletes a channel connection and its sealed credentials.

        Args:
            request: a DeleteChannelRequest, or its ``name``; or give its fields:
            name (str)
            etag (str)

        Returns:
            Empty
        """
        return self._call("DeleteChannel", request, arguments)

    def receive_channel_webhook(self, request=None, /, **arguments):
        """A platform's webhook call. The raw body is checked against the platform's
        secret or signature as received (never re-encoded; see
        docs/decisions/0015-channel-webhooks.md): a bad one is 401 and audited, a
        replay is acknowledged once. GET answers WhatsApp's verify handshake.

        Args:
            request: a ReceiveChannelWebhookRequest; or give its fields:
            platform (str): telegram, discord, slack or whatsapp
            channel (str): The channel's id (the last part of its name).
            body (google.api.HttpBody): The request body exactly as the platform sent it.
            hub (WebhookVerification): WhatsApp's GET verify handshake (hub.mode, hub.verify_token, hub.challenge).

        Returns:
            google.api.HttpBody
        """
        return self._call("ReceiveChannelWebhook", request, arguments)


class FlowService(Service):
    """Chatflows: graphs of nodes (start, LLM, classifier, condition, knowledge
    retrieval, HTTP request, code, template, variables, memory, iteration, loop,
    answer) edited as drafts, published as immutable versions and run by the
    flow engine; deployed like chatbots (members, publishable keys, sessions,
    feedback, analytics)."""

    stub_class = flow_pb2_grpc.FlowServiceStub
    rpcs = {
        "CreateChatflowDraft": Rpc(Kind.UNARY, flow_pb2.CreateChatflowDraftRequest, resource="parent", request_id=True),
        "GetChatflowDraft": Rpc(Kind.UNARY, flow_pb2.GetChatflowDraftRequest, resource="name"),
        "UpdateChatflowDraft": Rpc(Kind.UNARY, flow_pb2.UpdateChatflowDraftRequest),
        "FinalizeChatflowDraft": Rpc(Kind.UNARY, flow_pb2.FinalizeChatflowDraftRequest, resource="name", request_id=True),
        "GetChatflow": Rpc(Kind.UNARY, flow_pb2.GetChatflowRequest, resource="name"),
        "ListChatflows": Rpc(Kind.PAGED, flow_pb2.ListChatflowsRequest, resource="parent", items="chatflows"),
        "UpdateChatflow": Rpc(Kind.UNARY, flow_pb2.UpdateChatflowRequest),
        "DeleteChatflow": Rpc(Kind.UNARY, flow_pb2.DeleteChatflowRequest, resource="name"),
        "ValidateChatflow": Rpc(Kind.UNARY, flow_pb2.ValidateChatflowRequest, resource="parent"),
        "ExecuteChatflow": Rpc(Kind.SERVER_STREAM, flow_pb2.ExecuteChatflowRequest, resource="name"),
        "ListChatflowRuns": Rpc(Kind.PAGED, flow_pb2.ListChatflowRunsRequest, resource="parent", items="chatflow_runs"),
        "GetChatflowRun": Rpc(Kind.UNARY, flow_pb2.GetChatflowRunRequest, resource="name"),
        "PublishChatflow": Rpc(Kind.UNARY, flow_pb2.PublishChatflowRequest, resource="name"),
        "ListChatflowVersions": Rpc(Kind.PAGED, flow_pb2.ListChatflowVersionsRequest, resource="parent", items="chatflow_versions"),
        "RollbackChatflow": Rpc(Kind.UNARY, flow_pb2.RollbackChatflowRequest, resource="name"),
        "RotateChatflowPublishableKey": Rpc(Kind.UNARY, flow_pb2.RotateChatflowPublishableKeyRequest, resource="name"),
        "ListChatflowSessions": Rpc(Kind.PAGED, flow_pb2.ListChatflowSessionsRequest, resource="parent", items="chat_sessions"),
        "GetChatflowSession": Rpc(Kind.UNARY, flow_pb2.GetChatflowSessionRequest, resource="name"),
        "SubmitChatflowFeedback": Rpc(Kind.UNARY, flow_pb2.SubmitChatflowFeedbackRequest, resource="name"),
        "GetChatflowAnalytics": Rpc(Kind.UNARY, flow_pb2.GetChatflowAnalyticsRequest, resource="name"),
        "CreateChatflowSecret": Rpc(Kind.UNARY, flow_pb2.CreateChatflowSecretRequest, resource="parent"),
        "ListChatflowSecrets": Rpc(Kind.PAGED, flow_pb2.ListChatflowSecretsRequest, resource="parent", items="chatflow_secrets"),
        "DeleteChatflowSecret": Rpc(Kind.UNARY, flow_pb2.DeleteChatflowSecretRequest, resource="name"),
    }

    def create_chatflow_draft(self, request=None, /, **arguments):
        """Starts a draft. Drafts live in the ephemeral store and vanish at
        expire_time unless updated or finalized.

        Args:
            request: a CreateChatflowDraftRequest, or its ``parent``; or give its fields:
            parent (str): organizations/{org}/workspaces/{ws}
            chatflow_draft (ChatflowDraft)
            request_id (str): Idempotency key (AIP-155).
                Set to a random UUID when empty.

        Returns:
            ChatflowDraft
        """
        return self._call("CreateChatflowDraft", request, arguments)

    def get_chatflow_draft(self, request=None, /, **arguments):
        """Returns a draft.

        Args:
            request: a GetChatflowDraftRequest, or its ``name``; or give its fields:
            name (str)

        Returns:
            ChatflowDraft
        """
        return self._call("GetChatflowDraft", request, arguments)

    def update_chatflow_draft(self, request=None, /, **arguments):
        """Updates a draft and extends its expire_time.

        Args:
            request: a UpdateChatflowDraftRequest; or give its fields:
            chatflow_draft (ChatflowDraft)
            update_mask (FieldMask): Fields to change: display_name, description, graph.

        Returns:
            ChatflowDraft
        """
        return self._call("UpdateChatflowDraft", request, arguments)

    def finalize_chatflow_draft(self, request=None, /, **arguments):
        """Validates the draft, writes it as a chatflow (plan limits checked) and
        deletes the draft, atomically. A graph with errors answers
        FAILED_PRECONDITION; use ValidateChatflow to see the issues.

        Args:
            request: a FinalizeChatflowDraftRequest, or its ``name``; or give its fields:
            name (str)
            request_id (str): Idempotency key: a retry after the draft is gone returns the same chatflow.
                Set to a random UUID when empty.
            etag (str): The draft's etag, to finalize exactly what was reviewed.

        Returns:
            Chatflow
        """
        return self._call("FinalizeChatflowDraft", request, arguments)

    def get_chatflow(self, request=None, /, **arguments):
        """Returns a chatflow.

        Args:
            request: a GetChatflowRequest, or its ``name``; or give its fields:
            name (str)

        Returns:
            Chatflow
        """
        return self._call("GetChatflow", request, arguments)

    def list_chatflows(self, request=None, /, **arguments):
        """Lists a workspace's chatflows.

        Args:
            request: a ListChatflowsRequest, or its ``parent``; or give its fields:
            parent (str)
            page_size (int): At most 1000; 50 when unset.
            page_token (str)

        Returns:
            A pager: iterating it yields every Chatflow, fetching pages as needed; ``pages()`` yields each ListChatflowsResponse.
        """
        return self._call("ListChatflows", request, arguments)

    def update_chatflow(self, request=None, /, **arguments):
        """Updates a chatflow; a graph with errors answers FAILED_PRECONDITION.

        Args:
            request: a UpdateChatflowRequest; or give its fields:
            chatflow (Chatflow)
            update_mask (FieldMask): Fields to change: display_name, description, graph.

        Returns:
            Chatflow
        """
        return self._call("UpdateChatflow", request, arguments)

    def delete_chatflow(self, request=None, /, **arguments):
        """Deletes a chatflow and its runs.

        Args:
            request: a DeleteChatflowRequest, or its ``name``; or give its fields:
            name (str)
            etag (str)

        Returns:
            Empty
        """
        return self._call("DeleteChatflow", request, arguments)

    def validate_chatflow(self, request=None, /, **arguments):
        """Checks a stored chatflow or draft, or an inline graph, and lists every
        issue found (unknown node types, bad configs, dangling edges, cycles,
        unreachable nodes, missing trigger or response).

        Args:
            request: a ValidateChatflowRequest, or its ``parent``; or give its fields:
            parent (str): organizations/{org}/workspaces/{ws}
            chatflow (str): A chatflow or chatflow draft in parent.
            graph (ChatflowGraph): An unsaved graph.

        Returns:
            ValidateChatflowResponse
        """
        return self._call("ValidateChatflow", request, arguments)

    def execute_chatflow(self, request=None, /, **arguments):
        """Runs a chatflow (or a draft, to test it) and streams node and text
        events. Cancelling the call stops the run.

        Args:
            request: a ExecuteChatflowRequest, or its ``name``; or give its fields:
            name (str): organizations/{org}/workspaces/{ws}/chatflows/{flow}, or a chatflow draft.
            message (str): The user message the trigger node receives.
            inputs (Struct): Named inputs for the trigger node, e.g. {"locale": "en"}.
            session (str): An earlier run's session (RunStarted.session), to continue that
                conversation; a new one when empty.
            visitor_id (str): An opaque id the widget keeps per visitor (rate limits, session
                ownership); required with a publishable key, ignored for members.

        Returns:
            An iterator of ChatflowEvent, each as it arrives (async: an async iterator).
        """
        return self._call("ExecuteChatflow", request, arguments)

    def list_chatflow_runs(self, request=None, /, **arguments):
        """Lists a chatflow's runs, newest first (without node details).

        Args:
            request: a ListChatflowRunsRequest, or its ``parent``; or give its fields:
            parent (str): organizations/{org}/workspaces/{ws}/chatflows/{flow}
            page_size (int)
            page_token (str)

        Returns:
            A pager: iterating it yields every ChatflowRun, fetching pages as needed; ``pages()`` yields each ListChatflowRunsResponse.
        """
        return self._call("ListChatflowRuns", request, arguments)

    def get_chatflow_run(self, request=None, /, **arguments):
        """Returns a run with each node's output.

        Args:
            request: a GetChatflowRunRequest, or its ``name``; or give its fields:
            name (str)

        Returns:
            ChatflowRun
        """
        return self._call("GetChatflowRun", request, arguments)

    def publish_chatflow(self, request=None, /, **arguments):
        """Freezes the chatflow's graph as its next immutable version, which runs
        then use. The graph must compile (FAILED_PRECONDITION otherwise).

        Args:
            request: a PublishChatflowRequest, or its ``name``; or give its fields:
            name (str)
            etag (str): The chatflow's etag, to publish exactly the graph reviewed.

        Returns:
            Chatflow
        """
        return self._call("PublishChatflow", request, arguments)

    def list_chatflow_versions(self, request=None, /, **arguments):
        """Lists a chatflow's published versions, newest first.

        Args:
            request: a ListChatflowVersionsRequest, or its ``parent``; or give its fields:
            parent (str)
            page_size (int)
            page_token (str)

        Returns:
            A pager: iterating it yields every ChatflowVersion, fetching pages as needed; ``pages()`` yields each ListChatflowVersionsResponse.
        """
        return self._call("ListChatflowVersions", request, arguments)

    def rollback_chatflow(self, request=None, /, **arguments):
        """Makes an earlier published version the one runs use again (the versions
        themselves never change).

        Args:
            request: a RollbackChatflowRequest, or its ``name``; or give its fields:
            name (str)
            version (int): The published version to use again.
            etag (str)

        Returns:
            Chatflow
        """
        return self._call("RollbackChatflow", request, arguments)

    def rotate_chatflow_publishable_key(self, request=None, /, **arguments):
        """Issues a new publishable key for the website widget and revokes the
        previous one. The key is shown only here.

        Args:
            request: a RotateChatflowPublishableKeyRequest, or its ``name``; or give its fields:
            name (str)

        Returns:
            RotateChatflowPublishableKeyResponse
        """
        return self._call("RotateChatflowPublishableKey", request, arguments)

    def list_chatflow_sessions(self, request=None, /, **arguments):
        """Lists a chatflow's sessions, most recently active first (without messages).

        Args:
            request: a ListChatflowSessionsRequest, or its ``parent``; or give its fields:
            parent (str): organizations/{org}/workspaces/{ws}/chatflows/{flow}
            page_size (int)
            page_token (str)

        Returns:
            A pager: iterating it yields every ChatSession, fetching pages as needed; ``pages()`` yields each ListChatSessionsResponse.
        """
        return self._call("ListChatflowSessions", request, arguments)

    def get_chatflow_session(self, request=None, /, **arguments):
        """Returns a chatflow session with one page of its messages, oldest first.

        Args:
            request: a GetChatflowSessionRequest, or its ``name``; or give its fields:
            name (str): organizations/{org}/workspaces/{ws}/chatflows/{flow}/sessions/{session}
            message_page_size (int)
            message_page_token (str)

        Returns:
            ChatSession
        """
        return self._call("GetChatflowSession", request, arguments)

    def submit_chatflow_feedback(self, request=None, /, **arguments):
        """Rates an answer of a chatflow session; a second call replaces the rating.
        Callable with the chatflow's publishable key.

        Args:
            request: a SubmitChatflowFeedbackRequest, or its ``name``; or give its fields:
            name (str): organizations/{org}/workspaces/{ws}/chatflows/{flow}/sessions/{session}/messages/{message}
            rating (Feedback.Rating)
            comment (str)
            visitor_id (str): With a publishable key: must match the session's visitor.

        Returns:
            Feedback
        """
        return self._call("SubmitChatflowFeedback", request, arguments)

    def get_chatflow_analytics(self, request=None, /, **arguments):
        """Aggregates a chatflow's stored conversations over a time range.

        Args:
            request: a GetChatflowAnalyticsRequest, or its ``name``; or give its fields:
            name (str): organizations/{org}/workspaces/{ws}/chatflows/{flow}/analytics
            start_time (Timestamp): The last 30 days when both are unset; end_time defaults to now.
            end_time (Timestamp)

        Returns:
            ChatbotAnalytics
        """
        return self._call("GetChatflowAnalytics", request, arguments)

    def create_chatflow_secret(self, request=None, /, **arguments):
        """Stores a secret (an API token, a password) that HTTP nodes name by id;
        its value is never returned, logged or kept in a run.

        Args:
            request: a CreateChatflowSecretRequest, or its ``parent``; or give its fields:
            parent (str): organizations/{org}/workspaces/{ws}
            chatflow_secret_id (str): The id nodes name it by: lower case letters, digits and hyphens.
            chatflow_secret (ChatflowSecret)

        Returns:
            ChatflowSecret
        """
        return self._call("CreateChatflowSecret", request, arguments)

    def list_chatflow_secrets(self, request=None, /, **arguments):
        """Lists a workspace's chatflow secrets (names only, never values).

        Args:
            request: a ListChatflowSecretsRequest, or its ``parent``; or give its fields:
            parent (str)
            page_size (int)
            page_token (str)

        Returns:
            A pager: iterating it yields every ChatflowSecret, fetching pages as needed; ``pages()`` yields each ListChatflowSecretsResponse.
        """
        return self._call("ListChatflowSecrets", request, arguments)

    def delete_chatflow_secret(self, request=None, /, **arguments):
        """Deletes a secret; nodes naming it fail until it is created again.

        Args:
            request: a DeleteChatflowSecretRequest, or its ``name``; or give its fields:
            name (str)

        Returns:
            Empty
        """
        return self._call("DeleteChatflowSecret", request, arguments)


class TenantService(Service):
    """Organizations, workspaces, members, invitations, context, audit and usage."""

    stub_class = tenant_pb2_grpc.TenantServiceStub
    rpcs = {
        "CreateOrganization": Rpc(Kind.UNARY, tenant_pb2.CreateOrganizationRequest, request_id=True),
        "GetOrganization": Rpc(Kind.UNARY, tenant_pb2.GetOrganizationRequest, resource="name"),
        "ListOrganizations": Rpc(Kind.PAGED, tenant_pb2.ListOrganizationsRequest, items="organizations"),
        "UpdateOrganization": Rpc(Kind.UNARY, tenant_pb2.UpdateOrganizationRequest),
        "DeleteOrganization": Rpc(Kind.UNARY, tenant_pb2.DeleteOrganizationRequest, resource="name"),
        "ChangePlan": Rpc(Kind.UNARY, tenant_pb2.ChangePlanRequest, resource="name"),
        "CreateWorkspace": Rpc(Kind.UNARY, tenant_pb2.CreateWorkspaceRequest, resource="parent", request_id=True),
        "GetWorkspace": Rpc(Kind.UNARY, tenant_pb2.GetWorkspaceRequest, resource="name"),
        "ListWorkspaces": Rpc(Kind.PAGED, tenant_pb2.ListWorkspacesRequest, resource="parent", items="workspaces"),
        "UpdateWorkspace": Rpc(Kind.UNARY, tenant_pb2.UpdateWorkspaceRequest),
        "DeleteWorkspace": Rpc(Kind.UNARY, tenant_pb2.DeleteWorkspaceRequest, resource="name"),
        "ListOrganizationMembers": Rpc(Kind.PAGED, tenant_pb2.ListOrganizationMembersRequest, resource="parent", items="members"),
        "UpdateOrganizationMember": Rpc(Kind.UNARY, tenant_pb2.UpdateOrganizationMemberRequest),
        "RemoveOrganizationMember": Rpc(Kind.UNARY, tenant_pb2.RemoveOrganizationMemberRequest, resource="name"),
        "ListWorkspaceMembers": Rpc(Kind.PAGED, tenant_pb2.ListWorkspaceMembersRequest, resource="parent", items="members"),
        "AddWorkspaceMember": Rpc(Kind.UNARY, tenant_pb2.AddWorkspaceMemberRequest, resource="parent"),
        "UpdateWorkspaceMember": Rpc(Kind.UNARY, tenant_pb2.UpdateWorkspaceMemberRequest),
        "RemoveWorkspaceMember": Rpc(Kind.UNARY, tenant_pb2.RemoveWorkspaceMemberRequest, resource="name"),
        "CreateRole": Rpc(Kind.UNARY, tenant_pb2.CreateRoleRequest, resource="parent", request_id=True),
        "GetRole": Rpc(Kind.UNARY, tenant_pb2.GetRoleRequest, resource="name"),
        "ListRoles": Rpc(Kind.PAGED, tenant_pb2.ListRolesRequest, resource="parent", items="roles"),
        "UpdateRole": Rpc(Kind.UNARY, tenant_pb2.UpdateRoleRequest),
        "DeleteRole": Rpc(Kind.UNARY, tenant_pb2.DeleteRoleRequest, resource="name"),
        "CreateInvitation": Rpc(Kind.UNARY, tenant_pb2.CreateInvitationRequest, resource="parent", request_id=True),
        "ListInvitations": Rpc(Kind.PAGED, tenant_pb2.ListInvitationsRequest, resource="parent", items="invitations"),
        "AcceptInvitation": Rpc(Kind.UNARY, tenant_pb2.AcceptInvitationRequest),
        "RevokeInvitation": Rpc(Kind.UNARY, tenant_pb2.RevokeInvitationRequest, resource="name"),
        "SwitchContext": Rpc(Kind.UNARY, tenant_pb2.SwitchContextRequest),
        "ListMyAuditEvents": Rpc(Kind.PAGED, tenant_pb2.ListMyAuditEventsRequest, resource="parent", items="audit_events"),
        "ListAuditEvents": Rpc(Kind.PAGED, tenant_pb2.ListAuditEventsRequest, resource="parent", items="audit_events"),
        "GetUsage": Rpc(Kind.UNARY, tenant_pb2.GetUsageRequest, resource="name"),
        "GetTokenUsage": Rpc(Kind.UNARY, tenant_pb2.GetTokenUsageRequest, resource="name"),
    }

    def create_organization(self, request=None, /, **arguments):
        """Creates an organization owned by the caller, with a default workspace.

        Args:
            request: a CreateOrganizationRequest; or give its fields:
            organization (Organization)
            request_id (str): Set to a random UUID when empty.

        Returns:
            Organization
        """
        return self._call("CreateOrganization", request, arguments)

    def get_organization(self, request=None, /, **arguments):
        """Calls TenantService.GetOrganization.

        Args:
            request: a GetOrganizationRequest, or its ``name``; or give its fields:
            name (str)

        Returns:
            Organization
        """
        return self._call("GetOrganization", request, arguments)

    def list_organizations(self, request=None, /, **arguments):
        """Lists the organizations the caller belongs to, with the caller's role.

        Args:
            request: a ListOrganizationsRequest; or give its fields:
            page_size (int)
            page_token (str)

        Returns:
            A pager: iterating it yields every Organization, fetching pages as needed; ``pages()`` yields each ListOrganizationsResponse.
        """
        return self._call("ListOrganizations", request, arguments)

    def update_organization(self, request=None, /, **arguments):
        """Calls TenantService.UpdateOrganization.

        Args:
            request: a UpdateOrganizationRequest; or give its fields:
            organization (Organization)
            update_mask (FieldMask): Fields to change: display_name, billing_email, settings.

        Returns:
            Organization
        """
        return self._call("UpdateOrganization", request, arguments)

    def delete_organization(self, request=None, /, **arguments):
        """Deletes an organization and everything it owns.

        Args:
            request: a DeleteOrganizationRequest, or its ``name``; or give its fields:
            name (str)
            etag (str)

        Returns:
            Empty
        """
        return self._call("DeleteOrganization", request, arguments)

    def change_plan(self, request=None, /, **arguments):
        """Moves the organization to another plan (owners only), once the billing hook
        approves. A downgrade keeps every resource; creating more than the new plan
        allows is refused until back under its limits.

        Args:
            request: a ChangePlanRequest, or its ``name``; or give its fields:
            name (str): organizations/{org}
            plan (Plan)

        Returns:
            Organization
        """
        return self._call("ChangePlan", request, arguments)

    def create_workspace(self, request=None, /, **arguments):
        """Calls TenantService.CreateWorkspace.

        Args:
            request: a CreateWorkspaceRequest, or its ``parent``; or give its fields:
            parent (str)
            workspace (Workspace)
            request_id (str): Set to a random UUID when empty.

        Returns:
            Workspace
        """
        return self._call("CreateWorkspace", request, arguments)

    def get_workspace(self, request=None, /, **arguments):
        """Calls TenantService.GetWorkspace.

        Args:
            request: a GetWorkspaceRequest, or its ``name``; or give its fields:
            name (str)

        Returns:
            Workspace
        """
        return self._call("GetWorkspace", request, arguments)

    def list_workspaces(self, request=None, /, **arguments):
        """Lists the workspaces of an organization the caller can see.

        Args:
            request: a ListWorkspacesRequest, or its ``parent``; or give its fields:
            parent (str)
            page_size (int)
            page_token (str)

        Returns:
            A pager: iterating it yields every Workspace, fetching pages as needed; ``pages()`` yields each ListWorkspacesResponse.
        """
        return self._call("ListWorkspaces", request, arguments)

    def update_workspace(self, request=None, /, **arguments):
        """Calls TenantService.UpdateWorkspace.

        Args:
            request: a UpdateWorkspaceRequest; or give its fields:
            workspace (Workspace)
            update_mask (FieldMask): Fields to change: display_name, description.

        Returns:
            Workspace
        """
        return self._call("UpdateWorkspace", request, arguments)

    def delete_workspace(self, request=None, /, **arguments):
        """Deletes a workspace and everything in it; never the default workspace.

        Args:
            request: a DeleteWorkspaceRequest, or its ``name``; or give its fields:
            name (str)
            etag (str)

        Returns:
            Empty
        """
        return self._call("DeleteWorkspace", request, arguments)

    def list_organization_members(self, request=None, /, **arguments):
        """Calls TenantService.ListOrganizationMembers.

        Args:
            request: a ListOrganizationMembersRequest, or its ``parent``; or give its fields:
            parent (str)
            page_size (int)
            page_token (str)

        Returns:
            A pager: iterating it yields every OrganizationMember, fetching pages as needed; ``pages()`` yields each ListOrganizationMembersResponse.
        """
        return self._call("ListOrganizationMembers", request, arguments)

    def update_organization_member(self, request=None, /, **arguments):
        """Changes a member's organization role (update_mask: "role").

        Args:
            request: a UpdateOrganizationMemberRequest; or give its fields:
            member (OrganizationMember)
            update_mask (FieldMask)

        Returns:
            OrganizationMember
        """
        return self._call("UpdateOrganizationMember", request, arguments)

    def remove_organization_member(self, request=None, /, **arguments):
        """Removes a member from the organization and all its workspaces. Members
        may remove themselves (leave); the last owner cannot.

        Args:
            request: a RemoveOrganizationMemberRequest, or its ``name``; or give its fields:
            name (str): organizations/{org}/members/{user}

        Returns:
            Empty
        """
        return self._call("RemoveOrganizationMember", request, arguments)

    def list_workspace_members(self, request=None, /, **arguments):
        """Calls TenantService.ListWorkspaceMembers.

        Args:
            request: a ListWorkspaceMembersRequest, or its ``parent``; or give its fields:
            parent (str)
            page_size (int)
            page_token (str)

        Returns:
            A pager: iterating it yields every WorkspaceMember, fetching pages as needed; ``pages()`` yields each ListWorkspaceMembersResponse.
        """
        return self._call("ListWorkspaceMembers", request, arguments)

    def add_workspace_member(self, request=None, /, **arguments):
        """Adds an organization member to a workspace.

        Args:
            request: a AddWorkspaceMemberRequest, or its ``parent``; or give its fields:
            parent (str)
            member (WorkspaceMember)

        Returns:
            WorkspaceMember
        """
        return self._call("AddWorkspaceMember", request, arguments)

    def update_workspace_member(self, request=None, /, **arguments):
        """Calls TenantService.UpdateWorkspaceMember.

        Args:
            request: a UpdateWorkspaceMemberRequest; or give its fields:
            member (WorkspaceMember)
            update_mask (FieldMask)

        Returns:
            WorkspaceMember
        """
        return self._call("UpdateWorkspaceMember", request, arguments)

    def remove_workspace_member(self, request=None, /, **arguments):
        """Calls TenantService.RemoveWorkspaceMember.

        Args:
            request: a RemoveWorkspaceMemberRequest, or its ``name``; or give its fields:
            name (str)

        Returns:
            Empty
        """
        return self._call("RemoveWorkspaceMember", request, arguments)

    def create_role(self, request=None, /, **arguments):
        """Defines a custom workspace role: a set of the workspace permissions the
        contract declares, assignable to workspace members.

        Args:
            request: a CreateRoleRequest, or its ``parent``; or give its fields:
            parent (str)
            role (Role)
            request_id (str): Set to a random UUID when empty.

        Returns:
            Role
        """
        return self._call("CreateRole", request, arguments)

    def get_role(self, request=None, /, **arguments):
        """A custom role, or a built-in one (organizations/{org}/roles/admin, editor, viewer).

        Args:
            request: a GetRoleRequest, or its ``name``; or give its fields:
            name (str)

        Returns:
            Role
        """
        return self._call("GetRole", request, arguments)

    def list_roles(self, request=None, /, **arguments):
        """The built-in workspace roles (read-only) first, then the organization's custom roles.

        Args:
            request: a ListRolesRequest, or its ``parent``; or give its fields:
            parent (str)
            page_size (int)
            page_token (str)

        Returns:
            A pager: iterating it yields every Role, fetching pages as needed; ``pages()`` yields each ListRolesResponse.
        """
        return self._call("ListRoles", request, arguments)

    def update_role(self, request=None, /, **arguments):
        """Changes a custom role (update_mask: display_name, description, permissions);
        built-in roles cannot change. Members holding it have the new permissions on
        their next call.

        Args:
            request: a UpdateRoleRequest; or give its fields:
            role (Role)
            update_mask (FieldMask): Fields to change: display_name, description, permissions.

        Returns:
            Role
        """
        return self._call("UpdateRole", request, arguments)

    def delete_role(self, request=None, /, **arguments):
        """Deletes a custom role no workspace member holds (FAILED_PRECONDITION otherwise).

        Args:
            request: a DeleteRoleRequest, or its ``name``; or give its fields:
            name (str)
            etag (str)

        Returns:
            Empty
        """
        return self._call("DeleteRole", request, arguments)

    def create_invitation(self, request=None, /, **arguments):
        """Invites a person by email or wallet address. The token in the response
        is shown once; deliver it to the invitee.

        Args:
            request: a CreateInvitationRequest, or its ``parent``; or give its fields:
            parent (str)
            invitation (Invitation)
            request_id (str): Set to a random UUID when empty.

        Returns:
            Invitation
        """
        return self._call("CreateInvitation", request, arguments)

    def list_invitations(self, request=None, /, **arguments):
        """Calls TenantService.ListInvitations.

        Args:
            request: a ListInvitationsRequest, or its ``parent``; or give its fields:
            parent (str)
            page_size (int)
            page_token (str)

        Returns:
            A pager: iterating it yields every Invitation, fetching pages as needed; ``pages()`` yields each ListInvitationsResponse.
        """
        return self._call("ListInvitations", request, arguments)

    def accept_invitation(self, request=None, /, **arguments):
        """Accepts an invitation addressed to the caller's email or wallet.

        Args:
            request: a AcceptInvitationRequest; or give its fields:
            token (str)

        Returns:
            OrganizationMember
        """
        return self._call("AcceptInvitation", request, arguments)

    def revoke_invitation(self, request=None, /, **arguments):
        """Calls TenantService.RevokeInvitation.

        Args:
            request: a RevokeInvitationRequest, or its ``name``; or give its fields:
            name (str)

        Returns:
            Invitation
        """
        return self._call("RevokeInvitation", request, arguments)

    def switch_context(self, request=None, /, **arguments):
        """Issues an access token for another organization/workspace the caller
        belongs to (the default workspace when none is named).

        Args:
            request: a SwitchContextRequest; or give its fields:
            organization (str): organizations/{org}
            workspace (str): organizations/{org}/workspaces/{ws}; the default workspace when empty.

        Returns:
            SwitchContextResponse
        """
        return self._call("SwitchContext", request, arguments)

    def list_my_audit_events(self, request=None, /, **arguments):
        """The caller's own account events (sign-ins, password and session changes...) in
        every organization, newest first.

        Args:
            request: a ListMyAuditEventsRequest, or its ``parent``; or give its fields:
            parent (str): users/{user}: the caller.
            page_size (int)
            page_token (str)
            action (str): An action, or a prefix of actions ("auth.session").

        Returns:
            A pager: iterating it yields every AuditEvent, fetching pages as needed; ``pages()`` yields each ListAuditEventsResponse.
        """
        return self._call("ListMyAuditEvents", request, arguments)

    def list_audit_events(self, request=None, /, **arguments):
        """The organization's audit log, newest first. Owners and admins only.

        Args:
            request: a ListAuditEventsRequest, or its ``parent``; or give its fields:
            parent (str)
            page_size (int)
            page_token (str)
            actor (str): Filters; each applies when set.
            action (str)
            resource (str)
            start_time (Timestamp)
            end_time (Timestamp)

        Returns:
            A pager: iterating it yields every AuditEvent, fetching pages as needed; ``pages()`` yields each ListAuditEventsResponse.
        """
        return self._call("ListAuditEvents", request, arguments)

    def get_usage(self, request=None, /, **arguments):
        """Counts against the plan's limits.

        Args:
            request: a GetUsageRequest, or its ``name``; or give its fields:
            name (str): organizations/{org}/usage

        Returns:
            Usage
        """
        return self._call("GetUsage", request, arguments)

    def get_token_usage(self, request=None, /, **arguments):
        """Model tokens the organization's completions used in a period, by workspace, source
        (the chatbot or draft that asked) and model.

        Args:
            request: a GetTokenUsageRequest, or its ``name``; or give its fields:
            name (str): organizations/{org}/usage
            start_time (Timestamp): The period: at or after start_time (default: this month's start, UTC) and before
                end_time (default: now).
            end_time (Timestamp)

        Returns:
            TokenUsageReport
        """
        return self._call("GetTokenUsage", request, arguments)
