"""Events other apps hook into (certificates, tracking).

Sent once per completion, inside the transaction that stores it; receivers that do
slow work enqueue a Celery task with transaction.on_commit.
"""

from django.dispatch import Signal

# kwargs: user, course (CoursePage), completion (the stored completion row)
course_completed = Signal()
# kwargs: user, program (ProgramPage), completion (the stored completion row)
program_completed = Signal()
