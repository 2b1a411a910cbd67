# The onboarding issue fills this app: checklist templates, onboardings and tasks.
