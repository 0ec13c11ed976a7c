from django.apps import AppConfig


class CertificatesConfig(AppConfig):
    name = "certificates"
    verbose_name = "Policies and certificates"

    def ready(self):
        from django.db.models.signals import post_delete, post_save
        from wagtail.signals import published

        from .models import PolicyDocument, PolicyVersion
        from .models.policies import forget_binding_versions
        from .services import store_published_version
        from .signing import check_signing_key  # noqa: F401 (registers the signing key's deployment check)

        def store_version(sender, instance, revision=None, **kwargs):
            store_published_version(instance, revision)

        published.connect(store_version, sender=PolicyDocument, dispatch_uid="certificates.store_version", weak=False)
        for signal in (post_save, post_delete):
            signal.connect(forget_binding_versions, sender=PolicyVersion, dispatch_uid="certificates.forget_binding")
