import factory
import wagtail_factories


class PublishedPageFactory(wagtail_factories.PageFactory):
    """A Wagtail page published as the admin and the content loader publish it: with a
    revision, which is what an attempt pins. ``publish=False`` leaves it live with none."""

    class Meta:
        abstract = True
        skip_postgeneration_save = True

    @factory.post_generation
    def publish(page, create, extracted, **kwargs):
        if create and extracted is not False:
            page.save_revision().publish()
            page.refresh_from_db()  # publishing saved a copy: read back its live revision
