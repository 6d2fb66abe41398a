"""The application database's tables (SQLModel). Importing this package registers them all."""

from models.audit import AuditChainHead, AuditEvent
from models.auth import ActionCode, Delegation, Extension
from models.council import CouncilDecision, CouncilOutcome
from models.cycle import Campaign, CampaignPublic, CampaignStatus, Cycle, Movement, StageRun, Wait
from models.drive import (
    Drive,
    DriveConfirmation,
    DriveReport,
    DriveResult,
    DriveStatus,
    DriveTarget,
    DriveUnit,
)
from models.inputs import (
    Ballot,
    Decision,
    DecisionKind,
    Explanation,
    PeerReview,
    PeerScore,
    SelfAssessment,
    SelfScore,
    SubmissionStatus,
    VoterRoll,
)
from models.notifications import Channel, ChannelKind, OutboxMessage, OutboxStatus
from models.org import (
    Actor,
    ActorPublic,
    Cluster,
    ClusterPublic,
    MemberRole,
    Membership,
    Role,
    TitleHistory,
    Unit,
    UnitPublic,
)
from models.outputs import Document, Nomination, NominationStatus
from models.rules_draft import RulesApproval, RulesProposal
from models.web import FormNonce, SignInAttempt, WebSession

__all__ = [
    "ActionCode",
    "Actor",
    "ActorPublic",
    "AuditChainHead",
    "AuditEvent",
    "Ballot",
    "Campaign",
    "CampaignPublic",
    "CampaignStatus",
    "Channel",
    "ChannelKind",
    "Cluster",
    "ClusterPublic",
    "CouncilDecision",
    "CouncilOutcome",
    "Cycle",
    "Decision",
    "DecisionKind",
    "Delegation",
    "Document",
    "Drive",
    "DriveConfirmation",
    "DriveReport",
    "DriveResult",
    "DriveStatus",
    "DriveTarget",
    "DriveUnit",
    "Explanation",
    "Extension",
    "FormNonce",
    "MemberRole",
    "Membership",
    "Movement",
    "Nomination",
    "NominationStatus",
    "OutboxMessage",
    "OutboxStatus",
    "PeerReview",
    "PeerScore",
    "Role",
    "RulesApproval",
    "RulesProposal",
    "SelfAssessment",
    "SelfScore",
    "SignInAttempt",
    "StageRun",
    "SubmissionStatus",
    "TitleHistory",
    "Unit",
    "UnitPublic",
    "VoterRoll",
    "Wait",
    "WebSession",
]
