// The fields of readers' pages that page-data hooks read or add (the comment form and list, feeds' links,
// metadata), declared for every feature's hooks to see.
import type { CommentFormView } from './comment-form.ts'
import type { CommentView, PostView } from './view-models.ts'

declare module '../http/view.ts' {
  interface PageFields {
    /** The post page's post. */
    post: PostView
    /** The post page's comments (one page of the thread). */
    comments: CommentView[]
    /** The post page's comment form (src/reader/comments.routes.ts). */
    commentForm: CommentFormView | null
    /** The comment list's HTML, kept with the comments (src/reader/comments.routes.ts). */
    commentListHtml: string
    /** A category's list pages: which one. */
    category: { name: string; slug: string } | null
  }
}
