"""The SAF (2023/24) quality statements by key question (CQC's single assessment framework). Ids S1…W8: a convention."""

from __future__ import annotations

QUALITY_STATEMENTS: dict[str, tuple[str, str]] = {
    "S1": ("Safe", "Learning culture"),
    "S2": ("Safe", "Safe systems, pathways and transitions"),
    "S3": ("Safe", "Safeguarding"),
    "S4": ("Safe", "Involving people to manage risks"),
    "S5": ("Safe", "Safe environments"),
    "S6": ("Safe", "Safe and effective staffing"),
    "S7": ("Safe", "Infection prevention and control"),
    "S8": ("Safe", "Medicines optimisation"),
    "E1": ("Effective", "Assessing needs"),
    "E2": ("Effective", "Delivering evidence-based care and treatment"),
    "E3": ("Effective", "How staff, teams and services work together"),
    "E4": ("Effective", "Supporting people to live healthier lives"),
    "E5": ("Effective", "Monitoring and improving outcomes"),
    "E6": ("Effective", "Consent to care and treatment"),
    "C1": ("Caring", "Kindness, compassion and dignity"),
    "C2": ("Caring", "Treating people as individuals"),
    "C3": ("Caring", "Independence, choice and control"),
    "C4": ("Caring", "Responding to people's immediate needs"),
    "C5": ("Caring", "Workforce wellbeing and enablement"),
    "R1": ("Responsive", "Person-centred care"),
    "R2": ("Responsive", "Care provision, integration and continuity"),
    "R3": ("Responsive", "Providing information"),
    "R4": ("Responsive", "Listening to and involving people"),
    "R5": ("Responsive", "Equity in access"),
    "R6": ("Responsive", "Equity in experiences and outcomes"),
    "R7": ("Responsive", "Planning for the future"),
    "W1": ("Well-led", "Shared direction and culture"),
    "W2": ("Well-led", "Capable, compassionate and inclusive leaders"),
    "W3": ("Well-led", "Freedom to speak up"),
    "W4": ("Well-led", "Workforce equality, diversity and inclusion"),
    "W5": ("Well-led", "Governance, management and sustainability"),
    "W6": ("Well-led", "Partnerships and communities"),
    "W7": ("Well-led", "Learning, improvement and innovation"),
    "W8": ("Well-led", "Environmental sustainability – sustainable development"),  # noqa: RUF001 - CQC's dash
}
"""Statement id → (key question, CQC's name)."""

KEY_QUESTIONS = ("Safe", "Effective", "Caring", "Responsive", "Well-led")


def statement_name(statement_id: str | None) -> str:
    """CQC's name of a quality statement, or ``""``."""
    return QUALITY_STATEMENTS.get(statement_id or "", ("", ""))[1]
