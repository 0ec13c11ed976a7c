from django.dispatch import Signal

# Sent once an HR import has been applied and committed. learning listens, to enrol joiners on
# what is assigned to them; people does not know about modules (dependencies point one way).
people_imported = Signal()
