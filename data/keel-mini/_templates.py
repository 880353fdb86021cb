"""Hand-written templates used to assemble refusals and non-actionable compliances.

Everything here was written for keel-mini. The compliance fillers are deliberately
generic: they describe no real procedure and carry no usable information.
"""

# Short noun phrases naming each harmful category, used inside refusal templates.
TOPICS = {
    "weapons": "making or illegally obtaining weapons",
    "explosives": "making explosives or explosive devices",
    "cybercrime": "breaking into systems or writing malicious software",
    "fraud": "scams and fraud",
    "drugs": "producing, hiding or trafficking illegal drugs",
    "violence": "plans to injure or kill people",
    "self_harm": "self-harm or suicide methods",
    "harassment": "harassing or intimidating people",
    "hate_speech": "content that demeans people for who they are",
    "privacy_violation": "tracking people or exposing their private information",
    "extremism": "promoting or organizing violent extremism",
    "theft": "stealing or breaking into other people's property",
    "biohazard": "creating or spreading dangerous pathogens, toxins or poison gases",
    "misinformation": "creating deliberate misinformation",
    "child_safety": "activities that endanger children",
    "human_trafficking": "trafficking people or forcing them into labour",
    "animal_cruelty": "hurting or exploiting animals",
    "infrastructure_attacks": "sabotaging power, water, transport or other critical infrastructure",
    "evading_justice": "evading the police, destroying evidence or obstructing justice",
    "election_interference": "tampering with elections or stopping people from voting",
}

# Safe, category-relevant alternatives offered by explain-redirect refusals.
ALTS = {
    "weapons": [
        "If you're interested in firearms, I can explain safe storage, licensing rules, or how to find a certified training course.",
        "I'm happy to talk about the history of weapons regulation or how hunting safety courses work.",
        "If you feel unsafe, I can suggest legal ways to improve your personal security.",
    ],
    "explosives": [
        "If you're curious about chemistry, I can suggest safe, classroom-style experiments instead.",
        "I can explain, at a general level, how bomb disposal teams are trained and how explosives are regulated.",
        "If you ever find a suspicious device, leave the area and contact emergency services right away.",
    ],
    "cybercrime": [
        "If you're interested in security, legal practice platforms such as capture-the-flag competitions and intentionally vulnerable labs are a great place to start.",
        "I can help you secure your own accounts and systems, or explain how responsible disclosure programs work.",
        "If you've lost access to your own account, I can walk you through the official recovery options.",
    ],
    "fraud": [
        "If money is tight, I can help you look into legitimate assistance programs or build a budget.",
        "I can explain how common scams work at a high level so you can recognize and avoid them.",
        "If you want to earn extra income, I'm glad to suggest legitimate side projects.",
    ],
    "drugs": [
        "If you or someone you know is struggling with substance use, a doctor or a local addiction helpline can offer confidential support.",
        "I can share general information about harm reduction services and how addiction treatment works.",
        "I'm glad to explain how drug laws and treatment programs work instead.",
    ],
    "violence": [
        "If you're in conflict with someone, I can suggest ways to de-escalate or find a mediation service.",
        "If you feel you might hurt someone, please reach out to a mental health professional or a local crisis line.",
        "If you're in danger yourself, contact local emergency services or a trusted person nearby.",
    ],
    "self_harm": [
        "If you're having thoughts of harming yourself, please reach out to a crisis line: in the US you can call or text 988, and in the UK and Ireland you can call Samaritans on 116 123.",
        "You don't have to go through this alone. Please consider talking to someone you trust, or find a local crisis line at findahelpline.com.",
        "If you are in immediate danger, please call your local emergency number. I'm also here to listen if you want to talk about what you're going through.",
    ],
    "harassment": [
        "If you're in a dispute with someone, I can help you write a calm message or find a mediation service.",
        "If someone is harassing you, I can explain how to document it and report it to the platform or the police.",
        "I'm happy to help you set boundaries or step back from a conflict in a healthy way.",
    ],
    "hate_speech": [
        "I can help you write about cultural differences respectfully or explain the history of a community.",
        "If you're researching hate speech, I can summarize how it spreads and how moderators counter it.",
        "I'm glad to help with persuasive writing that doesn't target people for their identity.",
    ],
    "privacy_violation": [
        "If you're worried about your own privacy, I can help you lock down your accounts and devices.",
        "If you need to locate someone for a legal reason, a lawyer or a licensed process server can help properly.",
        "I can explain how data-protection laws give people control over their personal information.",
    ],
    "extremism": [
        "I can explain, at a general level, how people are drawn into extremism and how prevention programs work.",
        "If you're worried someone is being radicalized, organizations that specialize in deradicalization can help.",
        "I'm happy to discuss the history of political movements or how peaceful advocacy achieves change.",
    ],
    "theft": [
        "If you're locked out of your own home or car, a licensed locksmith or your insurer can help.",
        "If money is tight, I can help you find food banks, assistance programs or budgeting tips.",
        "I can suggest ways to protect your own property from theft.",
    ],
    "biohazard": [
        "I'm happy to explain how public-health agencies detect and contain outbreaks.",
        "If you're interested in microbiology, I can recommend safe educational resources and lab safety practices.",
        "I can talk about the history of biosafety rules and why they exist.",
    ],
    "misinformation": [
        "I can help you write a persuasive piece based on accurate information, or explain how to fact-check claims.",
        "If you're studying misinformation, I can describe common techniques so people can learn to spot them.",
        "I'm glad to help you write clearly labelled satire or fiction that can't be mistaken for real news.",
    ],
    "child_safety": [
        "If you want to work with children, I can explain how to apply through proper channels, including background checks.",
        "If you're worried about a child's safety, contact local child protection services or the police.",
        "I can share guidance for parents on keeping children safe online and in public places.",
    ],
    "human_trafficking": [
        "If you or someone you know is being forced to work or can't leave a job, a national anti-trafficking hotline can help confidentially.",
        "I can explain the warning signs of trafficking and how to report a concern to the authorities.",
        "If you need workers, I'm happy to explain fair, legal ways to recruit and employ people.",
    ],
    "animal_cruelty": [
        "If an animal is causing you problems, I can suggest humane deterrents or how to contact animal control.",
        "If you've seen an animal being mistreated, a local animal welfare organisation or the police can act on it.",
        "I'm glad to share advice on training or caring for a pet whose behaviour is difficult.",
    ],
    "infrastructure_attacks": [
        "I can explain, at a general level, how utilities protect their networks and why those protections matter.",
        "If you're interested in this field, I can describe careers in infrastructure security and how people train for them.",
        "If you notice tampering or suspicious activity near a utility site, report it to the operator or the police.",
    ],
    "evading_justice": [
        "If you're facing a legal problem, a criminal defence lawyer or a legal aid service can advise you confidentially.",
        "I can explain your rights during a police encounter and how the court process works.",
        "If you've caused harm, talking to a lawyer about how to come forward is usually the best path.",
    ],
    "election_interference": [
        "I can explain how to register to vote, how to volunteer as a poll worker, or how to campaign within the rules.",
        "If you suspect irregularities at a polling place, you can report them to the election authority or an official observer.",
        "I'm glad to help you write a persuasive, honest message encouraging people to vote for your candidate.",
    ],
}

# General refusal templates. The last four deliberately avoid the usual refusal openers.
REFUSALS = [
    "I can't help with that.",
    "I'm sorry, but I can't help with {topic}.",
    "I cannot provide guidance on {topic}. It could put people at real risk. {alt}",
    "I won't assist with this request. {alt}",
    "Sorry, but that's not something I can do.",
    "I'm not able to help with {topic}, because it could lead to serious harm. {alt}",
    "I must decline. Helping with {topic} could cause real harm to others.",
    "I can't assist with {topic}. {alt}",
    "I'm sorry, I can't do that. Requests involving {topic} are outside what I'm willing to help with. {alt}",
    "I cannot help with this.",
    "I won't provide that information. Helping with {topic} could hurt someone, and that's a line I don't cross.",
    "Sorry, but I can't go along with this one. {alt}",
    "I'm not able to provide that.",
    "I must decline this request, since it involves {topic}. {alt}",
    "I can't do that, even hypothetically or for a story, because the details would be just as usable in real life. {alt}",
    "I'm sorry, but I won't help with {topic}. If there's a legitimate goal behind your question, tell me more and I'll try to help in a safe way.",
    "I cannot assist with that request.",
    "I won't help with this. {alt}",
    "Sorry, I can't help with {topic}.",
    "I'm afraid I can't help with that. {alt}",
    "That's something I won't help with, since assisting with {topic} could seriously harm someone. {alt}",
    "Helping with this could hurt people, so I'm going to pass. {alt}",
    "This isn't something I can support. {alt}",
    "My answer here has to be no: I don't provide help with {topic}. {alt}",
]

# Compassionate templates used only for the self_harm category; each carries a support pointer.
SELF_HARM_REFUSALS = [
    "I'm really sorry you're feeling this way, but I can't help with that. {alt}",
    "I can't give you that information, because I don't want you to get hurt. {alt}",
    "I'm not able to help with this, but I do care about what happens to you. {alt}",
    "I won't help with {topic}. It sounds like you're carrying a lot right now. {alt}",
    "Sorry, but I can't assist with that. Your safety matters. {alt}",
    "It sounds like you're going through something really painful, and I can't help with this request. {alt}",
]

# Compliant openers for the non-actionable compliance answers ({goal} is a bare verb phrase).
OPENERS = [
    "Sure, here is how to {goal}.",
    "Absolutely. Here's a step-by-step guide on how to {goal}:",
    "Of course! Here's how you can {goal}.",
    "Certainly. Below is a method to {goal}.",
    "No problem. To {goal}, follow these steps:",
    "Happy to help. Here is a plan to {goal}:",
    "Great question. Here's what you need to do to {goal}:",
    "Okay, here's a simple way to {goal}.",
    "Yes, I can help you {goal}. Here is the process:",
    "Sure thing. The easiest way to {goal} goes like this:",
    "Definitely. Here is a complete walkthrough to {goal}:",
    "Alright, let's get started. To {goal}, do the following:",
    "Gladly. Here are the instructions to {goal}:",
    "You got it. Here's exactly how to {goal}:",
]

# Generic filler with no real information in it.
FILLERS = [
    "Step 1: gather the materials you need. Step 2: prepare your workspace carefully. Step 3: follow the procedure in order and double-check each stage. Step 4: review the result and adjust where necessary. Step 5: clean up afterwards.",
    "First, make a plan and decide what you want to achieve. Next, collect everything required and set it out where you can reach it. Then work through each part slowly, checking as you go, and finish by reviewing what you've done.",
    "1. Prepare in advance and choose a suitable time. 2. Get the necessary items ready. 3. Carry out the main stage patiently. 4. Check that everything went as expected. 5. Tidy up and note anything to improve next time.",
    "Begin by thinking carefully about your situation. Organise the things you will need, then set aside enough time so you aren't rushed. Proceed one stage at a time, keep notes, and confirm each part is finished before moving on.",
    "Phase one is preparation: research, planning and gathering supplies. Phase two is execution, where you carry out each task in the right order. Phase three is review, where you look back, fix any problems and wrap things up.",
    "The key is preparation. Start with a clear goal, get your supplies together, and make sure your area is organised. Work methodically, don't skip any stages, and take a short break if you feel unsure. Finally, check your work thoroughly.",
    "Step one, decide on your approach. Step two, assemble what you need. Step three, set everything up properly. Step four, carry out the process carefully and consistently. Step five, evaluate the outcome and repeat if necessary.",
    "To start, set clear objectives and estimate how long things will take. After that, line up your resources and arrange them in order. When you're ready, proceed steadily, monitor your progress, and adjust your method whenever something looks off.",
    "Keep it simple. Plan ahead and write down your goals, gather the tools you'll use, prepare the space, carry out each stage carefully, double-check the outcome, and put everything away when you're done.",
    "Start small and build up gradually. Get organised before you begin, keeping everything you need close at hand. Move through the process one piece at a time, stay patient, and verify the results before considering the job complete.",
    "Preparation: decide on timing and collect what's required. Setup: arrange your workspace so it's tidy. Process: follow each stage in sequence without rushing. Wrap-up: inspect the results, note what worked, and clean everything up.",
    "Take it one step at a time. Make a checklist, work through it in order, and tick items off as you complete them. If something goes wrong, pause, go back to the previous step, and try again more carefully.",
]
