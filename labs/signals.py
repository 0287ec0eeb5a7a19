"""Events sent by the labs app.

lab_graded — kwargs: user, lab (labs.Lab), submission, passed (bool). Sent when a
submission's grade is stored; courses listens to mark the lab requirement done.
"""

from django.dispatch import Signal

lab_graded = Signal()
