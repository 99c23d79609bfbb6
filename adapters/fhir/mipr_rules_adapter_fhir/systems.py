"""Every URI the adapter reads: identifier systems, code systems and extension URLs (README.md lists them).

Systems defined by others (NHS number, HL7 code systems) are used as published. Where no published system
exists (CQC ids, care-home records FHIR has no element for), the adapter defines its own under ``BASE``.
"""

from __future__ import annotations

NHS_NUMBER = "https://fhir.nhs.uk/Id/nhs-number"
"""NHS number identifier system (UK Core)."""

CQC_LOCATION_ID = "https://cqc.org.uk/location-id"
"""CQC location id, e.g. ``1-125856395`` (no NamingSystem is published; chosen by this adapter)."""
CQC_PROVIDER_ID = "https://cqc.org.uk/provider-id"
"""CQC provider id, e.g. ``1-102642955`` (no NamingSystem is published; chosen by this adapter)."""

ODS_ORGANIZATION_CODE = "https://fhir.nhs.uk/Id/ods-organization-code"
"""ODS organisation code (UK Core): NHS and care organisations, providers and many care homes."""
ODS_SITE_CODE = "https://fhir.nhs.uk/Id/ods-site-code"
"""ODS site code (UK Core): a site of an ODS organisation."""

LOCATION_SYSTEMS = (CQC_LOCATION_ID, ODS_ORGANIZATION_CODE, ODS_SITE_CODE)
"""Default identifier systems that mark a Location as a care location, in order of preference; the first
one found gives the canonical location id. ``FhirAdapter(location_systems=…)`` or the environment variable
``MIPR_FHIR_LOCATION_SYSTEMS`` (comma-separated) puts a vendor's own system first."""
PROVIDER_SYSTEMS = (CQC_PROVIDER_ID, ODS_ORGANIZATION_CODE)
"""Default identifier systems of the registered provider's Organization (``MIPR_FHIR_PROVIDER_SYSTEMS``)."""

BASE = "https://mipr-rules.org/fhir"
"""Namespace of the systems and extensions this adapter defines."""

PSEUDONYM = f"{BASE}/Id/pseudonym"
"""Identifier system of an id the source has already pseudonymised; used as the canonical id unchanged."""

ADVERSE_EVENT_CATEGORY_HL7 = "http://terminology.hl7.org/CodeSystem/adverse-event-category"
"""HL7's R4 AdverseEvent category code system."""

SNOMED_CT = "http://snomed.info/sct"
"""SNOMED CT (UK Core codes clinical concepts in it)."""
LOINC = "http://loinc.org"
"""LOINC."""
UCUM = "http://unitsofmeasure.org"
"""UCUM units (``Quantity.system`` of a measured value)."""

BODY_WEIGHT_CODES = frozenset({(LOINC, "29463-7"), (SNOMED_CT, "27113001")})
"""``Observation.code`` of a body weight: LOINC 29463-7 and SNOMED CT 27113001 "Body weight", the two codings
of UK Core's ``UKCore-Observation-VitalSigns-BodyWeight`` example (LOINC 29463-7 is also the code FHIR R4's
own body-weight vital-signs profile fixes). Either one is enough."""
KG_PER_UCUM_UNIT = {"kg": 1.0, "g": 0.001, "[lb_av]": 0.45359237}
"""UCUM mass units a body weight may be given in, and their value in kilograms (1 lb = 0.45359237 kg)."""


def code_system(name: str) -> str:
    """URI of one of this adapter's code systems."""
    return f"{BASE}/CodeSystem/{name}"


def extension(name: str) -> str:
    """URL of one of this adapter's extensions."""
    return f"{BASE}/StructureDefinition/{name}"


CS_SERVICE_TYPE = code_system("cqc-service-type")
"""Location.type: CQC service type, coded with CQC's own name (``Residential homes``)."""
CS_STAFF_ROLE = code_system("staff-role")
"""PractitionerRole.code: the staff role (``care_worker``, ``nurse``, ``registered_manager``...)."""
CS_TRAINING_COURSE = code_system("training-course")
"""Practitioner.qualification.code: a training course key (``moving_and_handling``...)."""
CS_COMPETENCY = code_system("competency")
"""Practitioner.qualification.code: an assessed competency (``medication-administration``)."""
CS_RECORD_TYPE = code_system("record-type")
"""Basic.code: what a Basic resource records (``dbs-check``, ``supervision``, ``appraisal``, ``audit``...)."""
CS_RISK_KIND = code_system("risk-kind")
"""RiskAssessment.code: what risk is assessed (``falls``, ``nutrition``, ``pressure_ulcer``...)."""
CS_INCIDENT_CATEGORY = code_system("incident-category")
"""AdverseEvent.category: the canonical incident category (``fall``, ``death``, ``medication_error``...)."""
CS_FLAG_TYPE = code_system("flag-type")
"""Flag.code: ``safeguarding-concern``."""
CS_PERSON_DOCUMENT = code_system("person-document")
"""DocumentReference.type: a person's care document (``peep``, ``hospital-passport``, ``about-me``,
``advance-care-plan``, ``communication-needs``, ``care-preferences``)."""
CS_POLICY_KIND = code_system("policy-kind")
"""DocumentReference.type: a governance document kept under review; the code is ``PolicyDocument.kind``
(``statement_of_purpose``, ``whistleblowing``...)."""
CS_COMMUNICATION = code_system("communication-category")
"""Communication.category: notifications, referrals and complaint correspondence."""

MEDICATION_COMPETENCY = "medication-administration"
"""Competency code of the observed medication competency assessment."""

EXT_REGISTRATION = extension("cqc-registration")
EXT_PIR = extension("cqc-pir")
EXT_CURRENT_RATING = extension("cqc-current-rating")
EXT_PAST_RATING = extension("cqc-past-rating")
EXT_RATING_DISPLAY = extension("cqc-rating-display")
EXT_CONDITION = extension("cqc-registration-condition")
EXT_MANAGER_ABSENCE = extension("registered-manager-absence")
EXT_LAST_REVIEWED = extension("last-reviewed")
EXT_NEEDS_CHANGED = extension("needs-changed")
EXT_ADMINISTERS_MEDICATION = extension("administers-medication")
EXT_NEW_TO_CARE = extension("new-to-care")
"""PractitionerRole (``valueBoolean``): the worker was new to care when employed (Care Certificate)."""
EXT_EMPLOYMENT_HISTORY_COMPLETE = extension("employment-history-complete")
"""Basic ``recruitment-checks`` (``valueBoolean``): a full employment history is held."""
EXT_EMPLOYMENT_GAPS_EXPLAINED = extension("employment-gaps-explained")
"""Basic ``recruitment-checks`` (``valueBoolean``): every gap in it is explained in writing."""
EXT_REFERENCES = extension("references")
"""Basic ``recruitment-checks`` (``valueUnsignedInt``): satisfactory references received."""
EXT_RIGHT_TO_WORK_CHECKED = extension("right-to-work-checked")
"""Basic ``recruitment-checks`` (``valueDate``): date the right to work in the UK was checked."""
EXT_HEALTH_DECLARATION = extension("health-declaration")
"""Basic ``recruitment-checks`` (``valueBoolean``): health information relevant to the role obtained."""
EXT_DBS_LEVEL = extension("dbs-level")
EXT_DBS_UPDATE_SERVICE = extension("dbs-update-service")
EXT_DBS_UPDATE_SERVICE_CHECKED = extension("dbs-update-service-checked")
EXT_AUDIT_KIND = extension("audit-kind")
EXT_AUDIT_ACTIONS_OPEN = extension("audit-actions-open")
EXT_EVIDENCE_CATEGORY = extension("evidence-category")
EXT_EVIDENCE_DESCRIPTION = extension("evidence-description")
EXT_FEEDBACK_CHANNEL = extension("feedback-channel")
EXT_NOTIFIABLE_SAFETY_INCIDENT = extension("notifiable-safety-incident")
"""AdverseEvent (``valueBoolean``): a notifiable safety incident under the duty of candour (Reg 20)."""
EXT_PERSON_INVOLVED = extension("person-involved")
"""CarePlan (``valueBoolean``): the person or their representative took part in the last review."""
EXT_CHECK_KIND = extension("check-kind")
"""Basic ``safety-check`` (``valueCode``): what was checked (``fire_alarm_test``, ``fire_drill``...)."""
EXT_CHECK_ISSUES_OPEN = extension("check-issues-open")
"""Basic ``safety-check`` (``valueUnsignedInt``): problems found not yet put right."""
EXT_STAFFING_REQUIRED_HOURS = extension("staffing-required-hours")
"""Basic ``staffing-review`` (``valueDecimal``): care hours a week the dependency tool says are needed."""
EXT_STAFFING_ROSTERED_HOURS = extension("staffing-rostered-hours")
"""Basic ``staffing-review`` (``valueDecimal``): care hours a week rostered."""
EXT_STAFFING_TOOL = extension("staffing-tool")
"""Basic ``staffing-review`` (``valueString``): the dependency tool used."""
EXT_COMMUNICATION_SUPPORT_NEEDED = extension("communication-support-needed")
"""DocumentReference ``communication-needs`` (``valueBoolean``): information in another format or
communication support is needed (Accessible Information Standard)."""
EXT_COMMUNICATION_SUPPORT_IN_PLACE = extension("communication-support-in-place")
"""DocumentReference ``communication-needs`` (``valueBoolean``): that format or support is arranged."""
EXT_MCA_DECISION = extension("mca-decision")
"""Basic ``capacity-assessment`` (``valueCode``): the decision assessed (``care_and_residence``...)."""
EXT_LACKS_CAPACITY = extension("lacks-capacity")
"""Basic ``capacity-assessment`` (``valueBoolean``): the person was found to lack capacity for it."""
EXT_BEST_INTERESTS_RECORDED = extension("best-interests-recorded")
"""Basic ``capacity-assessment`` (``valueBoolean``): a best-interests decision is recorded."""
EXT_REVIEW_DUE = extension("review-due")
"""Basic ``capacity-assessment`` (``valueDate``): the date set for reviewing it."""
EXT_DOLS_GRANTED = extension("dols-granted")
"""Basic ``dols-application`` (``valueDate``): the standard authorisation was granted."""
EXT_DOLS_EXPIRES = extension("dols-expires")
"""Basic ``dols-application`` (``valueDate``): the authorisation ends."""
EXT_DOLS_CONDITIONS = extension("dols-conditions")
"""Basic ``dols-application`` (``valueUnsignedInt``): conditions attached to the authorisation."""
EXT_DOLS_CONDITIONS_MET = extension("dols-conditions-met")
"""Basic ``dols-application`` (``valueBoolean``, default true): every condition is complied with."""
EXT_DOLS_RENEWAL_APPLIED = extension("dols-renewal-applied")
"""Basic ``dols-application`` (``valueDate``): a further authorisation was requested."""
EXT_PRN_PROTOCOL = extension("prn-protocol")
"""MedicationRequest (``valueBoolean``): a PRN protocol (when and how to give it) is recorded."""
EXT_COVERT_ADMINISTRATION = extension("covert-administration")
"""MedicationRequest (``valueBoolean``): the medicine is given covertly (disguised in food or drink)."""
EXT_BEST_INTERESTS_DECISION = extension("best-interests-decision")
"""MedicationRequest (``valueDate``): date of the best-interests decision to give it covertly."""
EXT_CONTROLLED_DRUG = extension("controlled-drug")
"""MedicationRequest (``valueBoolean``): a controlled drug, kept in the controlled drugs register."""
EXT_MAR_EXCEPTION = extension("mar-exception")
"""MedicationAdministration (complex: ``kind`` code ``gap``/``error``, ``resolved`` date): a MAR exception."""
