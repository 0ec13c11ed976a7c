"""The demo module, built from IOPC learning recommendation 408/20 to the Metropolitan Police.

Policy wording is quoted from the recommendation (see shared/seed/). Feedback cites the
clause it rests on and invents no rule the source does not state.
"""

POLICY = {
    "title": "Use of Met Computer Systems: personally owned devices",
    "reference": "MPS-UMCS-POD",
    "owner": "Directorate of Professional Standards",
}

CLAUSE_1 = (
    "You must only record any Met or National Policing data using the official policing systems and Met ICT "
    "equipment provided. Met personnel must not use their private ICT equipment [home computer or mobile device "
    "(e.g. smartphone)] directly or indirectly to capture and process any data from Met systems."
)
CLAUSE_2 = (
    "For example, using your own phone camera or audio-visual facility to take screenshots [e.g. from Met BATS], "
    "or to record any internal meetings without prior authority is not permitted."
)
CLAUSE_3 = (
    "For operational reasons, or within secure areas on Met premises, you could be asked to switch off and/or store "
    "personally owned mobile devices temporarily whilst on duty."
)
CLAUSE_4 = (
    "Met policy does not permit the conduct of official policing business directly with the public using personally "
    "owned computers or mobile devices. This includes the use of any social media platforms or instant messaging "
    "services from such privately owned devices."
)
CLAUSE_5 = (
    "Only in emergencies [and where there are no alternative Met communication options], may Met personnel [i.e. "
    "those without an MPS issued mobile device] use their own equipment. In those circumstances, they must have a "
    "clear policing purpose and a good reason for the immediate communication with a member of the public. A record "
    "of the call and the rationale becomes part of the incident or investigation [e.g. on CRIS]."
)
CLAUSE_6 = (
    "In all other situations, Met personnel are to use police landlines or their radios to make calls, even if this "
    "results in some delay."
)
CLAUSE_7 = (
    "You must only access MPS information and other police-held data when it is to be used for legitimate official "
    "or authorised policing purposes; and only then as part of your policing duties, contracted services, or other "
    "public role in support of policing purposes."
)

VERSIONS = [
    {
        "version_label": "1.0",
        "effective_date": "2020-01-01",
        "body": (
            "METSEC Code: Privately owned mobile devices\n\n"
            "1. The general rule is that privately owned [i.e. non Met-issued] mobile devices must not be used to "
            "hold Met data.\n\n"
            "Information Code of Conduct\n\n"
            f"2. {CLAUSE_7}\n\n"
            "3. You must never access, use or share any policing information held on either MPS or national "
            "core/operational police ICT systems [e.g. the Police National Computer (PNC)] with others without the "
            "legitimate policing authority required to do so; and in principle, using such information in connection "
            "with any personal purposes is strictly prohibited."
        ),
        "statement": (
            "I have read the METSEC Code on privately owned mobile devices and the Information Code of Conduct, "
            "I understand them, and I will follow them."
        ),
    },
    {
        "version_label": "2.0",
        "effective_date": "2021-06-01",
        "body": (
            "Met personnel using personally owned equipment [e.g. smartphones] on duty\n\n"
            f"1. {CLAUSE_1}\n\n"
            f"2. {CLAUSE_2}\n\n"
            f"3. {CLAUSE_3}\n\n"
            f"4. {CLAUSE_4}\n\n"
            f"5. {CLAUSE_5}\n\n"
            f"6. {CLAUSE_6}\n\n"
            "Information Code of Conduct\n\n"
            f"7. {CLAUSE_7}\n\n"
            "8. You must never access, use or share any policing information held on either MPS or national "
            "core/operational police ICT systems [e.g. the Police National Computer (PNC)] with others without the "
            "legitimate policing authority required to do so; and in principle, using such information in connection "
            "with any personal purposes is strictly prohibited. An emergency situation apart, you should refer such "
            "matters to your supervisor for further advice before any independent intelligence checks can be carried "
            "out for a personal or family reason."
        ),
        "statement": (
            "I have read version 2.0 of the Use of Met Computer Systems policy on personally owned devices. "
            "I understand that I must not hold Met data on, or conduct policing business with the public from, "
            "a personally owned device except in a genuine emergency as the policy describes, and I will follow it."
        ),
    },
]

MODULE = {
    "title": "Contacting the public: personal devices",
    "slug": "contacting-the-public",
    "summary": (
        "When you may and may not use your own phone to contact the public, withhold your number, or capture "
        "police data. Built from IOPC learning recommendation 408/20."
    ),
    "learning_outcomes": (
        "<ul><li>Know why a personal phone is not for policing business with the public</li>"
        "<li>Use police landlines or radios, even with delay</li>"
        "<li>Recognise the emergency exception and what to record on CRIS</li>"
        "<li>Never copy or photograph police data onto a personal device</li></ul>"
    ),
    "estimated_minutes": 15,
    "pass_mark": 80,
}


def _option(text, feedback, *, correct=False, clause="", quote=""):
    return {"text": text, "correct": correct, "feedback": feedback, "clause_reference": clause, "clause_text": quote}


SCENARIOS = [
    {
        "title": "After the arrest",
        "slug": "after-the-arrest",
        "narrative": (
            "<p>Yesterday you and a colleague arrested a woman for a public order offence. She was released under "
            "investigation. Her mobile number is on the custody record and the crime report. You are now off duty "
            "at home, and you find yourself wondering how she is.</p>"
        ),
        "steps": [
            (
                "single_choice",
                {
                    "prompt": "You would like to call her to see how she is. What do you do?",
                    "critical": True,
                    "options": [
                        _option(
                            "Do not call her. There is no policing purpose for the call.",
                            "Right. Any contact with a member of the public must be for a clear policing purpose. "
                            "Checking how she is, off duty, is not one. If something about the case needs "
                            "following up, the officer in the case does it through police channels.",
                            correct=True,
                            clause="UMCS 2.0 clause 4",
                            quote=CLAUSE_4,
                        ),
                        _option(
                            "Call her from your own phone, withholding your number with 141.",
                            "No. Withholding your number does not create a policing purpose; it hides that there "
                            "was none. This is what the IOPC investigation behind this module found.",
                            clause="UMCS 2.0 clause 4",
                            quote=CLAUSE_4,
                        ),
                        _option(
                            "Send her a WhatsApp message instead, as it is less intrusive than a call.",
                            "No. Instant messaging from a privately owned device is expressly not permitted for "
                            "policing business, and here there is no policing purpose at all.",
                            clause="UMCS 2.0 clause 4",
                            quote=CLAUSE_4,
                        ),
                    ],
                },
            ),
            (
                "true_false",
                {
                    "prompt": (
                        "True or false: copying her number from the crime report into your own phone's contacts "
                        "is acceptable as long as you delete it when the case is closed."
                    ),
                    "critical": True,
                    "answer": "false",
                    "feedback_if_right": (
                        "Right: it is false. Her number is Met data. It may only be held on official systems and "
                        "Met equipment, never copied onto a personal device, even for a short time."
                    ),
                    "feedback_if_wrong": (
                        "It is false. Her number is Met data. It may only be held on official systems and Met "
                        "equipment, never copied onto a personal device, even for a short time. The officer in the "
                        "IOPC case admitted doing exactly this."
                    ),
                    "clause_reference": "UMCS 2.0 clause 1",
                    "clause_text": CLAUSE_1,
                },
            ),
        ],
    },
    {
        "title": "Calling back a witness",
        "slug": "calling-back-a-witness",
        "narrative": (
            "<p>You are on a response team and have not been issued a work mobile. A witness to a street robbery "
            "left a message asking you to call back to arrange a time to give a statement. The station landlines "
            "are busy and it may be twenty minutes before one is free.</p>"
        ),
        "steps": [
            (
                "single_choice",
                {
                    "prompt": "How do you call the witness back?",
                    "critical": False,
                    "options": [
                        _option(
                            "Wait for a police landline, or ask for the call to be made over your radio through "
                            "control, even though it means some delay.",
                            "Right. Arranging a statement is not an emergency, so you use a police landline or your "
                            "radio, even if that means some delay.",
                            correct=True,
                            clause="UMCS 2.0 clause 6",
                            quote=CLAUSE_6,
                        ),
                        _option(
                            "Call from your own phone with 141 so the witness cannot see your number.",
                            "No. This is not an emergency, so your own phone is not an option, with or without 141. "
                            "Use a landline or your radio, even with delay.",
                            clause="UMCS 2.0 clause 6",
                            quote=CLAUSE_6,
                        ),
                        _option(
                            "Call from your own phone without withholding the number: being open is better.",
                            "No. Policing business with the public is not conducted from personally owned devices. "
                            "Use a landline or your radio, even with delay.",
                            clause="UMCS 2.0 clause 4",
                            quote=CLAUSE_4,
                        ),
                    ],
                },
            ),
            (
                "multiple_response",
                {
                    "prompt": "Which of these statements about withholding your number with 141 are true?",
                    "critical": False,
                    "options": [
                        _option(
                            "141 hides your number; it does not make a call from your own phone acceptable.",
                            "Right. Whether a call is acceptable depends on its purpose and on there being no "
                            "alternative, not on whether the number is shown.",
                            correct=True,
                            clause="UMCS 2.0 clause 5",
                            quote=CLAUSE_5,
                        ),
                        _option(
                            "If you use 141 on your own phone, you must be able to justify a policing purpose for "
                            "the call.",
                            "Right. The force's response to the IOPC was that it is for the officer, in each "
                            "circumstance, to justify that such a call was made for a policing purpose.",
                            correct=True,
                            clause="UMCS 2.0 clause 5",
                            quote=CLAUSE_5,
                        ),
                        _option(
                            "A withheld call cannot be traced to you, so the policy does not apply to it.",
                            "No. The policy applies to every call made on duty or about police business, whatever "
                            "the caller display shows.",
                            clause="UMCS 2.0 clause 4",
                            quote=CLAUSE_4,
                        ),
                    ],
                },
            ),
            (
                "single_choice",
                {
                    "prompt": (
                        "Later, a mother calls the front counter: her 14-year-old has just messaged saying they "
                        "are on a bridge and want to die. You are the only officer near, there is no radio signal "
                        "where you are, and no landline. The child's number is known. What do you do?"
                    ),
                    "critical": False,
                    "options": [
                        _option(
                            "Call the child from your own phone now, then record the call and your rationale on CRIS.",
                            "Right. This is a genuine emergency with no alternative Met option, and a clear policing "
                            "purpose. The policy allows your own phone, and the call and your rationale become part "
                            "of the record.",
                            correct=True,
                            clause="UMCS 2.0 clause 5",
                            quote=CLAUSE_5,
                        ),
                        _option(
                            "Call from your own phone, and keep no record as it was an emergency.",
                            "No. The emergency allows the call, but the call and your rationale must be recorded "
                            "as part of the incident, for example on CRIS.",
                            clause="UMCS 2.0 clause 5",
                            quote=CLAUSE_5,
                        ),
                        _option(
                            "Do not call: personal phones may never be used to contact the public.",
                            "No. There is an exception for emergencies where there is no alternative Met option, a "
                            "clear policing purpose and a good reason for immediate contact. This is one.",
                            clause="UMCS 2.0 clause 5",
                            quote=CLAUSE_5,
                        ),
                    ],
                },
            ),
        ],
    },
    {
        "title": "The BATS screen",
        "slug": "the-bats-screen",
        "narrative": (
            "<p>You are in the custody suite finishing paperwork. The detainee's record is open on BATS. A colleague "
            "says: “Just take a photo of the screen on your phone, it'll save you copying it all out.”</p>"
        ),
        "steps": [
            (
                "single_choice",
                {
                    "prompt": "What do you do?",
                    "critical": True,
                    "options": [
                        _option(
                            "Do not photograph the screen. Work from the official system and record what you need "
                            "on it or on Met equipment.",
                            "Right. Using your own phone camera to take screenshots from Met systems such as BATS is "
                            "not permitted.",
                            correct=True,
                            clause="UMCS 2.0 clause 2",
                            quote=CLAUSE_2,
                        ),
                        _option(
                            "Take the photo, copy out what you need, then delete the photo.",
                            "No. Capturing data from a Met system on your own device is the breach, however briefly "
                            "you keep it.",
                            clause="UMCS 2.0 clause 1",
                            quote=CLAUSE_1,
                        ),
                        _option(
                            "Take the photo and email it straight to your work address.",
                            "No. The data has still been captured on a personal device and has passed through it.",
                            clause="UMCS 2.0 clause 2",
                            quote=CLAUSE_2,
                        ),
                    ],
                },
            ),
            (
                "true_false",
                {
                    "prompt": (
                        "True or false: you may record your team's briefing on your own phone so that you do not "
                        "miss anything, as long as you do not share the recording."
                    ),
                    "critical": False,
                    "answer": "false",
                    "feedback_if_right": (
                        "Right: it is false. Recording an internal meeting on your own device without prior "
                        "authority is not permitted, shared or not."
                    ),
                    "feedback_if_wrong": (
                        "It is false. Recording an internal meeting on your own device without prior authority is "
                        "not permitted, shared or not."
                    ),
                    "clause_reference": "UMCS 2.0 clause 2",
                    "clause_text": CLAUSE_2,
                },
            ),
        ],
    },
]
