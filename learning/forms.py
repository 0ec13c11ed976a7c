from django import forms


class AttestationForm(forms.Form):
    confirm = forms.BooleanField(
        required=True,
        error_messages={"required": "Confirm that you have read, understood and will follow this policy."},
    )
    full_name = forms.CharField(
        max_length=200,
        error_messages={
            "required": "Enter your full name.",
            "max_length": "Your name must be 200 characters or fewer.",
        },
    )
    # The fingerprint of the text the person was shown, so they never attest to other words.
    body_sha256 = forms.CharField(widget=forms.HiddenInput, max_length=64, required=False)
